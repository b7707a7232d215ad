// rewriteBundle: a stack re-rendered with another PRIMARY_SERVICE from its own manifest writes only
// the files whose content changed, keeps the secrets, and leaves a bundle --check finds identical.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
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
