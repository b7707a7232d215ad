// A setting added to the table reaches every template as `settings.NAME` (its resolved value,
// defaults included) without a view change; secrets never do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SETTINGS, type Setting } from '../../src/config/settings.js';
import { loadConfig } from '../../src/generate.js';
import { compileTemplate, createRenderer } from '../../src/render/handlebars.js';
import { readmeView } from '../../src/render/readme-view.js';
import { services } from '../../src/render/topology.js';
import { composeView, configView, envFileView } from '../../src/render/view.js';

test('every view carries the non-secret settings by variable name, never a secret', () => {
  const config = loadConfig('node', { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1', REPLICATION_PASSWORD: 'Repl-Secret-9', PRIMARY_WAIT_TIMEOUT: '42' });
  const [service] = services(config);
  const views = [composeView(config, 'x'), envFileView(config, service!), configView(config), readmeView(config, 'x')];
  // Optional settings (no default) left unset are absent, so the manifest reads back the same config.
  const keyed = (SETTINGS as readonly Setting[]).filter((s) => s.key !== undefined && s.type !== 'secret' && s.default !== undefined).map((s) => s.name);
  for (const view of views) {
    assert.deepEqual(Object.keys(view.settings).filter((name) => keyed.includes(name)).sort(), [...keyed].sort());
    assert.equal(view.settings.PRIMARY_WAIT_TIMEOUT, '42');
    assert.equal(view.settings.REPLICATION_ROLE, 'replica');
    assert.ok(!JSON.stringify(view.settings).includes('Repl-Secret-9'));
  }
  const line = compileTemplate(createRenderer(), 'PRIMARY_WAIT_TIMEOUT={{env settings.PRIMARY_WAIT_TIMEOUT}}\n')(envFileView(config, service!));
  assert.equal(line, 'PRIMARY_WAIT_TIMEOUT=42\n');
});

test('an optional setting reaches the views once it is given', () => {
  const config = loadConfig('node', { REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'Repl-Secret-9', PEER_HOSTS: 'db2,db3:5433', PG_MEMORY: '4GB', PG_CPUS: '2' });
  const view = configView(config);
  assert.equal(view.settings.PEER_HOSTS, 'db2,db3:5433');
  assert.equal(view.settings.PG_MEMORY, '4GB');
  assert.equal(view.settings.PG_STORAGE, undefined, 'unset: sizing.ts applies its default');
});
