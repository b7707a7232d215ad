// The CLI as a user meets it: exit codes, messages, and what lands on disk.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { snapshotTree } from './support/tree.js';
import { tempDir } from './support/tmp.js';
import { SETTINGS } from '../src/config/settings.js';

const NATIVE = { HA_MODE: 'native' };

describe('--from-env with each invalid combination of the spec', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['native + Patroni', { ...NATIVE, REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw-1', USE_PATRONI: 'true' }, 'USE_PATRONI'],
    ['native + Citus', { ...NATIVE, REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw-1', USE_CITUS: 'yes' }, 'USE_CITUS'],
    ['unknown role', { ...NATIVE, REPLICATION_ROLE: 'standby', REPLICATION_PASSWORD: 'pw-1' }, 'REPLICATION_ROLE'],
    ['no role', { ...NATIVE, REPLICATION_PASSWORD: 'pw-1' }, 'REPLICATION_ROLE'],
    ['replica without primary host', { ...NATIVE, REPLICATION_ROLE: 'replica', REPLICATION_PASSWORD: 'pw-1' }, 'PRIMARY_HOST'],
    ['no replication password', { ...NATIVE, REPLICATION_ROLE: 'primary' }, 'REPLICATION_PASSWORD'],
  ];
  for (const [name, env, variable] of cases) {
    test(`${name}: exit 2, names ${variable}, directory untouched`, (t) => {
      const dir = tempDir(t);
      writeFileSync(join(dir, 'existing.txt'), 'mine');
      const before = snapshotTree(dir);
      const run = runCli(['--from-env', '--out', join(dir, 'bundle')], env);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`^  ${variable} .*Fix: `, 'm'));
      assert.deepEqual(snapshotTree(dir), before);
      assert.ok(!run.stderr.includes('pw-1') && !run.stdout.includes('pw-1'));
    });
  }

  test('every error is reported at once', () => {
    const run = runCli(['--from-env', '--out', '/nonexistent/never'], { ...NATIVE, REPLICATION_ROLE: 'replica', USE_PATRONI: '1', PRIMARY_PORT: '0' });
    assert.equal(run.status, 2);
    for (const v of ['USE_PATRONI', 'PRIMARY_HOST', 'PRIMARY_PORT', 'REPLICATION_PASSWORD']) assert.match(run.stderr, new RegExp(`^  ${v} `, 'm'));
  });
});

describe('writing', () => {
  test('--stack writes a complete bundle with private env and secret files', (t) => {
    const out = join(tempDir(t), 'stack');
    const run = runCli(['--stack', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    const secret = readFileSync(join(out, 'secrets/replication_password'), 'utf8');
    assert.match(secret, /^[A-Za-z0-9_-]{32}$/, 'a generated 32-character password');
    assert.ok(!run.stdout.includes(secret), 'the secret is not printed');
    for (const path of ['secrets/replication_password', 'secrets/postgres_password', 'env/primary.env', 'env/replica1.env']) {
      assert.equal(statSync(join(out, path)).mode & 0o777, 0o600, path);
    }
    assert.equal(statSync(join(out, 'secrets')).mode & 0o777, 0o700);
    assert.equal(statSync(join(out, 'entrypoint/entrypoint.sh')).mode & 0o777, 0o755);
  });

  test('an existing bundle is never overwritten without --force, and secrets survive --force', (t) => {
    const out = join(tempDir(t), 'stack');
    assert.equal(runCli(['--stack', '--out', out]).status, 0);
    const secrets = ['replication_password', 'postgres_password'].map((s) => readFileSync(join(out, 'secrets', s), 'utf8'));
    writeFileSync(join(out, 'compose.yaml'), '# my edits\n');
    const before = snapshotTree(out);

    const refused = runCli(['--stack', '--replicas', '3', '--out', out]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /compose\.yaml/);
    assert.match(refused.stderr, /--force/);
    assert.deepEqual(snapshotTree(out), before, 'nothing written');

    const forced = runCli(['--stack', '--replicas', '3', '--out', out, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(readFileSync(join(out, 'compose.yaml'), 'utf8'), /replica3:/);
    assert.deepEqual(['replication_password', 'postgres_password'].map((s) => readFileSync(join(out, 'secrets', s), 'utf8')), secrets, 'secrets kept');
  });

  test('re-rendering the same config is a no-op without --force', (t) => {
    const out = join(tempDir(t), 'stack');
    assert.equal(runCli(['--stack', '--out', out]).status, 0);
    const before = snapshotTree(out);
    const again = runCli(['--stack', '--out', out]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(snapshotTree(out), before);
  });

  test('--dry-run lists the files and writes nothing', (t) => {
    const out = join(tempDir(t), 'stack');
    const run = runCli(['--stack', '--dry-run', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /create\s+0600 secrets\/replication_password/);
    assert.match(run.stdout, /create\s+0644 compose\.yaml/);
    assert.deepEqual(snapshotTree(out), {});
  });

  test('a given password is written exactly; *_FILE is read, not referenced', (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in/repl'), "x' \"$y `z` #:&=%@/ ü\n");
    const out = join(dir, 'primary');
    const run = runCli(['--from-env', '--out', out], { ...NATIVE, REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD_FILE: join(dir, 'in/repl') });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(readFileSync(join(out, 'secrets/replication_password'), 'utf8'), "x' \"$y `z` #:&=%@/ ü");
  });
});

describe('next steps', () => {
  test('a primary open to every address (the spec default) is told to narrow REPLICATION_CIDR; a narrowed one is not', (t) => {
    const env = { ...NATIVE, REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw-1' };
    const open = runCli(['--from-env', '--out', join(tempDir(t), 'open')], env);
    assert.match(open.stdout, /Note: REPLICATION_CIDR is 0\.0\.0\.0\/0 \(the spec default\)/);
    const narrow = runCli(['--from-env', '--replication-cidr', '10.0.0.0/24', '--out', join(tempDir(t), 'narrow')], env);
    assert.equal(narrow.status, 0, narrow.stderr);
    assert.doesNotMatch(narrow.stdout, /Note: REPLICATION_CIDR/);
  });
});

describe('help and version', () => {
  test('--help lists every variable and exits 0', () => {
    const run = runCli(['--help']);
    assert.equal(run.status, 0);
    for (const v of SETTINGS) assert.ok(run.stdout.includes(v.name), v.name);
    assert.match(run.stdout, /Examples:/);
  });
  test('--version prints the package version', () => {
    const run = runCli(['--version']);
    assert.equal(run.stdout.trim(), JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });
  test('an unknown flag exits 2 with a hint', () => {
    const run = runCli(['--frobnicate']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--help/);
  });
});
