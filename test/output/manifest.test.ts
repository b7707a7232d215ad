// The bundle's manifest (pg-ha-init.json): written with every render, never a secret, covered by
// --check, and enough to get the config back from the directory alone: render -> manifest ->
// load -> render gives the same files.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig, generate, preview } from '../../src/generate.js';
import type { Mode } from '../../src/config/settings.js';
import { InvalidConfigError, UsageError } from '../../src/errors.js';
import { MANIFEST_PATH, loadBundleConfig, readManifest } from '../../src/output/manifest.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const CASES: [string, Mode, Record<string, string>][] = [
  ['default stack', 'stack', {}],
  ['stack with every flag-able setting changed', 'stack', { REPLICA_COUNT: '3', PRIMARY_PORT: '6000', PG_MAJOR: '15', REPLICATION_USER: 'repl', REPLICATION_CIDR: '10.1.0.0/16', POSTGRES_USER: 'owner', POSTGRES_DB: 'app' }],
  ['primary node', 'node', { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'Repl-Secret-1', POSTGRES_PASSWORD: 'Super-Secret-2', REPLICA_PORT: '7000' }],
  ['replica node', 'node', { HA_MODE: 'native', REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1.example.internal', PRIMARY_PORT: '6543', REPLICA_NAME: 'replica_eu_2', PRIMARY_WAIT_TIMEOUT: '60', REPLICATION_PASSWORD: 'Repl-Secret-1' }],
];

describe('render -> manifest -> load -> the same render', () => {
  for (const [name, mode, settings] of CASES) {
    test(name, (t) => {
      const out = join(tempDir(t), 'bundle');
      const config = loadConfig(mode, settings);
      generate(config, { outDir: out, dryRun: false, force: false });

      const manifest = readManifest(out);
      assert.equal(manifest.mode, mode);
      assert.equal(manifest.role, config.role);
      const text = readFileSync(join(out, MANIFEST_PATH), 'utf8');
      for (const secret of ['Repl-Secret-1', 'Super-Secret-2', readFileSync(join(out, 'secrets/replication_password'), 'utf8')]) {
        assert.ok(!text.includes(secret), 'no secret in the manifest');
      }
      assert.ok(!/PASSWORD/.test(Object.keys(manifest.settings).join(' ')), 'no password setting, not even a file path');

      const loaded = loadBundleConfig(out);
      assert.deepEqual(loaded.config, { ...config, replicationPassword: loaded.config.replicationPassword, postgresPassword: loaded.config.postgresPassword });
      const again = preview(loaded.config, out);
      assert.deepEqual(again.changes.filter((c) => c.status !== 'unchanged').map((c) => c.file.path), [], 'every file the same');
    });
  }
});

describe('reading a directory', () => {
  test('no manifest: a usage error that says what the directory lacks', (t) => {
    const dir = tempDir(t);
    assert.throws(() => loadBundleConfig(dir), (e: Error) => e instanceof UsageError && e.message.includes(MANIFEST_PATH));
  });

  test('a manifest edited into an invalid setting: the model\'s message', (t) => {
    const out = join(tempDir(t), 'bundle');
    generate(loadConfig('stack', {}), { outDir: out, dryRun: false, force: false });
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST_PATH), 'utf8'));
    manifest.settings.REPLICA_COUNT = '99';
    writeFileSync(join(out, MANIFEST_PATH), JSON.stringify(manifest));
    assert.throws(() => loadBundleConfig(out), (e: Error) => e instanceof InvalidConfigError && e.errors.some((x) => x.variable === 'REPLICA_COUNT'));
  });
});

test('--check covers the manifest', (t) => {
  const out = join(tempDir(t), 'stack');
  assert.equal(runCli(['--stack', '--out', out]).status, 0);
  const path = join(out, MANIFEST_PATH);
  writeFileSync(path, readFileSync(path, 'utf8').replace('"REPLICA_COUNT": "2"', '"REPLICA_COUNT": "5"'));
  const drift = runCli(['--stack', '--check', '--out', out]);
  assert.equal(drift.status, 1);
  assert.match(drift.stdout, /^--- a\/pg-ha-init\.json$/m);
  assert.match(drift.stdout, /^\+ {4}"REPLICA_COUNT": "2"/m);
});
