// --check as a CI gate and --json for other tools, through the real CLI.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { snapshotTree } from '../support/tree.js';
import { tempDir } from '../support/tmp.js';

const PRIMARY = { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'Given-Secret-123', POSTGRES_PASSWORD: 'Super-Secret-456' };

test('--check: 0 when identical, 1 with a unified diff on drift, never a secret, writes nothing', (t) => {
  const out = join(tempDir(t), 'node');
  assert.equal(runCli(['--from-env', '--out', out], PRIMARY).status, 0);
  const clean = runCli(['--from-env', '--check', '--out', out], PRIMARY);
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);

  writeFileSync(join(out, 'config/pg_hba.conf'), readFileSync(join(out, 'config/pg_hba.conf'), 'utf8').replaceAll('0.0.0.0/0', '10.0.0.0/8'));
  writeFileSync(join(out, 'secrets/replication_password'), 'Old-Secret-789');
  rmSync(join(out, 'env/primary.env'));
  const before = snapshotTree(out);
  const drift = runCli(['--from-env', '--check', '--out', out], PRIMARY);
  assert.equal(drift.status, 1);
  assert.match(drift.stdout, /^--- a\/config\/pg_hba\.conf$/m);
  assert.match(drift.stdout, /^-host\s+replication\s+"replicator"\s+10\.0\.0\.0\/8/m);
  assert.match(drift.stdout, /^\+host\s+replication\s+"replicator"\s+0\.0\.0\.0\/0/m);
  assert.match(drift.stdout, /^\+\+\+ b\/env\/primary\.env$/m, 'a missing file shows as added');
  assert.match(drift.stdout, /secret file secrets\/replication_password differs .*content not shown/);
  for (const secret of ['Given-Secret-123', 'Old-Secret-789', 'Super-Secret-456']) assert.ok(!drift.stdout.includes(secret) && !drift.stderr.includes(secret), secret);
  assert.deepEqual(snapshotTree(out), before, '--check writes nothing');
});

test('--check: generated secrets that exist are not drift', (t) => {
  const out = join(tempDir(t), 'stack');
  assert.equal(runCli(['--stack', '--out', out]).status, 0);
  assert.equal(runCli(['--stack', '--check', '--out', out]).status, 0);
});

test('--json: resolved config with secrets redacted, and the plan with modes and hashes', (t) => {
  const out = join(tempDir(t), 'node');
  const run = runCli(['--from-env', '--json', '--out', out], PRIMARY);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(!run.stdout.includes('Given-Secret-123') && !run.stdout.includes('Super-Secret-456'));
  const json = JSON.parse(run.stdout);
  assert.equal(json.config.role, 'primary');
  assert.equal(json.config.replicationPassword, 'given (redacted)');
  const compose = json.files.find((f: { path: string }) => f.path === 'compose.yaml');
  assert.deepEqual({ mode: compose.mode, secret: compose.secret }, { mode: '0644', secret: false });
  const secret = json.files.find((f: { path: string }) => f.path === 'secrets/replication_password');
  assert.deepEqual({ mode: secret.mode, sha256: secret.sha256 }, { mode: '0600', sha256: null });
  assert.deepEqual(snapshotTree(out), {}, '--json writes nothing');
  // The hashes are of exactly what a write produces.
  assert.equal(runCli(['--from-env', '--out', out], PRIMARY).status, 0);
  assert.equal(compose.sha256, createHash('sha256').update(readFileSync(join(out, 'compose.yaml'))).digest('hex'));
});

test('the same config renders byte-identical files, secrets aside', (t) => {
  const dir = tempDir(t);
  for (const name of ['a', 'b']) assert.equal(runCli(['--stack', '--out', join(dir, name)]).status, 0);
  const strip = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([p]) => !p.startsWith('secrets/')));
  assert.deepEqual(strip(snapshotTree(join(dir, 'a'))), strip(snapshotTree(join(dir, 'b'))));
});
