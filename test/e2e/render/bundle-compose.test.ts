// docker-compose 1.29's own validator accepts every mode's bundle as written, and resolves it
// without a secret in sight.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import type { RawSettings } from '../../../src/config/model.js';
import type { Mode } from '../../../src/config/settings.js';
import { generate, loadConfig } from '../../../src/generate.js';
import { tempDir } from '../../support/tmp.js';

const REPL_PW = 'Repl-Secret-4711';
const SUPER_PW = 'Super-Secret-0815';
const NODE = { HA_MODE: 'native', REPLICATION_PASSWORD: REPL_PW };
const MODES: [string, Mode, RawSettings][] = [
  ['stack', 'stack', { PG_MAJOR: '15', REPLICATION_PASSWORD: REPL_PW, POSTGRES_PASSWORD: SUPER_PW }],
  ['primary', 'node', { ...NODE, REPLICATION_ROLE: 'primary', POSTGRES_PASSWORD: SUPER_PW }],
  ['replica', 'node', { ...NODE, REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1.example.internal', PRIMARY_PORT: '6543' }],
];

describe('docker-compose 1.29 accepts every mode as written', () => {
  for (const [name, mode, settings] of MODES) {
    test(name, (t) => {
      const dir = tempDir(t);
      generate(loadConfig(mode, settings), { outDir: dir, dryRun: false, force: false });
      const check = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config', '-q'], { cwd: dir, encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);
      const resolved = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config'], { cwd: dir, encoding: 'utf8' });
      assert.equal(resolved.status, 0, resolved.stderr);
      assert.ok(!resolved.stdout.includes(REPL_PW) && !resolved.stdout.includes(SUPER_PW), 'no secret in the resolved config');
    });
  }
});
