// rewriteBundle: a stack re-rendered with another PRIMARY_SERVICE from its own manifest writes only
// the files whose content changed, keeps the secrets, and leaves a bundle --check finds identical.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generate, loadConfig, preview } from '../../src/generate.js';
import { rewriteBundle } from '../../src/output/rewrite.js';
import { runSteps, StepFailed } from '../../src/commands/steps.js';
import { tempDir } from '../support/tmp.js';

test('rewriteBundle moves the primary role and writes only what changed, secrets kept', (t) => {
  const dir = tempDir(t);
  generate(loadConfig('stack', {}), { outDir: dir, dryRun: false, force: false });
  const secret = readFileSync(join(dir, 'secrets/postgres_password'), 'utf8');
  const entrypointInode = statSync(join(dir, 'entrypoint/entrypoint.sh')).ino;

  const dry = rewriteBundle(dir, { PRIMARY_SERVICE: 'replica1' }, { dryRun: true });
  assert.match(readFileSync(join(dir, 'env/primary.env'), 'utf8'), /^REPLICATION_ROLE=primary$/m, 'dry run writes nothing');
  const result = rewriteBundle(dir, { PRIMARY_SERVICE: 'replica1' });
  assert.deepEqual(result.written, dry.written);
  for (const path of ['compose.yaml', 'env/primary.env', 'env/replica1.env', 'env/replica2.env', 'pg-ha-init.json']) assert.ok(result.written.includes(path), path);
  assert.ok(result.written.every((p) => !p.startsWith('entrypoint/') && !p.startsWith('config/') && !p.startsWith('secrets/')), result.written.join(' '));
  assert.match(readFileSync(join(dir, 'env/primary.env'), 'utf8'), /^REPLICATION_ROLE=replica$/m);
  assert.match(readFileSync(join(dir, 'env/replica1.env'), 'utf8'), /^REPLICATION_ROLE=primary$/m);
  assert.equal(JSON.parse(readFileSync(join(dir, 'pg-ha-init.json'), 'utf8')).settings.PRIMARY_SERVICE, 'replica1');
  assert.equal(readFileSync(join(dir, 'secrets/postgres_password'), 'utf8'), secret);
  assert.equal(statSync(join(dir, 'entrypoint/entrypoint.sh')).ino, entrypointInode, 'an unchanged file is not rewritten');
  assert.equal(statSync(join(dir, 'env/primary.env')).mode & 0o777, 0o600);
  // The rewritten bundle is exactly a fresh render of the new topology.
  const again = preview(loadConfig('stack', { PRIMARY_SERVICE: 'replica1', REPLICATION_PASSWORD_FILE: join(dir, 'secrets/replication_password'), POSTGRES_PASSWORD_FILE: join(dir, 'secrets/postgres_password') }), dir);
  assert.deepEqual(again.changes.filter((c) => c.status !== 'unchanged').map((c) => c.file.path), []);
  assert.deepEqual(rewriteBundle(dir, { PRIMARY_SERVICE: 'replica1' }).written, [], 'nothing left to write');
});

test('runSteps prints one line per step; a failure names the step, the state and the recovery', async () => {
  const lines: string[] = [];
  let clock = 0;
  const now = () => (clock += 500);
  await assert.rejects(runSteps([
    { title: 'first', state: 'nothing changed', recover: 'nothing to do', run: async () => 'done' },
    { title: 'second', state: 'primary stopped', recover: 'docker compose start primary', run: async (ctx) => { ctx.left('primary stopped, replica1 promoted', 'docker compose start replica1'); throw new Error('boom'); } },
    { title: 'third', state: '', recover: '', run: async () => assert.fail('must not run') },
  ], { say: (l) => lines.push(l), now }), (error: unknown) => {
    assert.ok(error instanceof StepFailed);
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /step "second" failed: boom\nLeft: primary stopped, replica1 promoted\nTo recover:\n  docker compose start replica1/);
    return true;
  });
  assert.deepEqual(lines, ['  ✔ 1/3 first: done (0.5 s)', '  ✖ 2/3 second']);
});

/** A per-host bundle rendered from the environment, as `pg-ha-init --from-env` writes it. */
function perHost(dir: string, settings: Record<string, string>): void {
  generate(loadConfig('node', { REPLICATION_PASSWORD: 'repl-pw', ...settings }), { outDir: dir, dryRun: false, force: false });
}

const read = (dir: string, path: string): string => readFileSync(join(dir, path), 'utf8');

test('a per-host replica re-rendered as primary keeps its service, volume, env file and port, and gets no superuser secret', (t) => {
  const dir = tempDir(t);
  perHost(dir, { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1.example.com', PRIMARY_PORT: '5440', REPLICA_PORT: '5441', REPLICA_NAME: 'db2' });
  const before = read(dir, 'compose.yaml');
  assert.doesNotMatch(read(dir, 'pg-ha-init.json'), /SERVICE_NAME/, 'a day-1 manifest has no SERVICE_NAME');

  rewriteBundle(dir, { REPLICATION_ROLE: 'primary', PRIMARY_HOST: undefined, PEER_HOSTS: 'db1.example.com:5440' });
  const compose = read(dir, 'compose.yaml');
  assert.match(compose, /^ {2}replica:$/m, 'the service keeps its name');
  assert.match(compose, /- 'replica-data:/, 'and its volume');
  assert.match(compose, /- '5441:5432'/, 'and its published port');
  assert.doesNotMatch(compose, /postgres_password/, 'no superuser secret: the data has the old primary\'s password');
  assert.equal(existsSync(join(dir, 'secrets/postgres_password')), false);
  assert.notEqual(compose, before);
  const env = read(dir, 'env/replica.env');
  assert.match(env, /^REPLICATION_ROLE=primary$/m);
  assert.match(env, /^PEER_HOSTS=db1\.example\.com:5440$/m);
  assert.doesNotMatch(env, /^PRIMARY_HOST=|^POSTGRES_PASSWORD_FILE=/m);
  const manifest = JSON.parse(read(dir, 'pg-ha-init.json'));
  assert.equal(manifest.settings.SERVICE_NAME, 'replica');
  assert.equal(manifest.settings.PRIMARY_PORT, '5441');
  assert.equal(manifest.settings.PRIMARY_HOST, undefined);
  assert.deepEqual(manifest.services.map((s: { name: string; role: string }) => `${s.name}:${s.role}`), ['replica:primary']);
  assert.deepEqual(rewriteBundle(dir, {}).written, [], 'a re-render from the new manifest changes nothing');
});

test('per-host round trip: replica -> primary -> replica of another host keeps the service and volume; a given superuser password is written', (t) => {
  const dir = tempDir(t);
  perHost(dir, { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1', REPLICA_PORT: '6001', REPLICA_NAME: 'db2' });
  rewriteBundle(dir, { REPLICATION_ROLE: 'primary', PRIMARY_HOST: undefined });
  rewriteBundle(dir, { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db3', PRIMARY_PORT: '7000', REPLICA_NAME: 'db2' });
  const compose = read(dir, 'compose.yaml');
  assert.match(compose, /^ {2}replica:$/m);
  assert.match(compose, /- 'replica-data:/);
  assert.match(compose, /- '6001:5432'/);
  assert.match(read(dir, 'env/replica.env'), /^PRIMARY_HOST=db3\nPRIMARY_PORT=7000\nREPLICA_NAME=db2$/m);

  // The old primary's bundle (it holds the superuser secret) demoted and promoted again keeps it.
  const old = tempDir(t);
  perHost(old, { REPLICATION_ROLE: 'primary', PRIMARY_PORT: '6000', POSTGRES_PASSWORD: 'su-pw' });
  rewriteBundle(old, { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db2', PRIMARY_PORT: '6001', REPLICA_NAME: 'primary' });
  let oldCompose = read(old, 'compose.yaml');
  assert.match(oldCompose, /^ {2}primary:$/m);
  assert.match(oldCompose, /- 'primary-data:/);
  assert.match(oldCompose, /- '6000:5432'/);
  rewriteBundle(old, { REPLICATION_ROLE: 'primary', PRIMARY_HOST: undefined });
  oldCompose = read(old, 'compose.yaml');
  assert.match(oldCompose, /- 'postgres_password'$/m);
  assert.equal(read(old, 'secrets/postgres_password'), 'su-pw');

  // A promoted replica given POSTGRES_PASSWORD_FILE (the old primary's) gets that secret.
  const given = tempDir(t);
  perHost(given, { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1' });
  rewriteBundle(given, { REPLICATION_ROLE: 'primary', PRIMARY_HOST: undefined, POSTGRES_PASSWORD_FILE: join(old, 'secrets/postgres_password') });
  assert.equal(read(given, 'secrets/postgres_password'), 'su-pw');
  assert.match(read(given, 'env/replica.env'), /^POSTGRES_PASSWORD_FILE=\/run\/secrets\/postgres_password$/m);
});

test('SERVICE_NAME names a per-host node\'s service and volume; unset, the role does (day-1 output unchanged)', (t) => {
  const named = tempDir(t);
  perHost(named, { REPLICATION_ROLE: 'primary', SERVICE_NAME: 'db1' });
  assert.match(read(named, 'compose.yaml'), /^ {2}db1:$/m);
  assert.match(read(named, 'compose.yaml'), /- 'db1-data:/);
  assert.ok(existsSync(join(named, 'env/db1.env')));
  const plain = tempDir(t);
  perHost(plain, { REPLICATION_ROLE: 'primary' });
  assert.match(read(plain, 'compose.yaml'), /^ {2}primary:$/m);
  assert.throws(() => loadConfig('node', { REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'x', SERVICE_NAME: 'Db 1' }), /SERVICE_NAME/);
});
