// The bundle's initdb.d/ folder as the primary's entrypoint sees it (issue 9): the README the tool
// writes there is ignored, the user's script beside it runs once, on the new cluster. Real
// PostgreSQL 15 through the bundled entrypoint (INITDB_SCRIPTS_DIR points at the rendered folder,
// as the compose mount puts it at /docker-entrypoint-initdb.d in a container).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/model.js';
import { renderBundle } from '../../src/render/bundle.js';
import { assertNoProcessLeftBehind, Lab, PASSWORD } from '../support/entrypoint-run.js';

after(assertNoProcessLeftBehind);

test('initdb.d: the tool\'s README is ignored, the user\'s script runs once', { timeout: 120_000 }, async (t) => {
  const lab = new Lab(t);
  const parsed = parseConfig({ REPLICATION_PASSWORD: 'unused-here' }, { mode: 'stack' });
  assert.ok(parsed.ok);
  const readme = renderBundle(parsed.config, 'test').find((f) => f.path === 'initdb.d/README.md');
  assert.ok(readme, 'the bundle has initdb.d/README.md');
  const dir = join(lab.root, 'initdb.d');
  mkdirSync(dir);
  writeFileSync(join(dir, 'README.md'), readme.content);
  writeFileSync(join(dir, '01-schema.sql'), 'CREATE TABLE from_init (id int); INSERT INTO from_init VALUES (1);\n');
  chmodSync(dir, 0o755);

  const primary = await lab.primary('primary', PASSWORD, { env: { INITDB_SCRIPTS_DIR: dir } });
  const first = primary.start();
  await primary.waitHealthy();
  assert.match(first.stderr, /README\.md: ignored/);
  assert.match(first.stderr, /01-schema\.sql: running/);
  assert.equal(await primary.sql('SELECT count(*) FROM from_init'), '1');

  const second = await primary.restart();
  await primary.waitHealthy();
  assert.doesNotMatch(second.stderr, /01-schema\.sql/, 'not again on a restart');
  assert.equal(await primary.sql('SELECT count(*) FROM from_init'), '1');
});
