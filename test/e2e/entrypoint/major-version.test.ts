// The major-version guard: a data directory or a volume that holds a cluster of another major is
// refused before anything is created or changed, in both image layouts (18: PGDATA
// <volume>/18/docker; <=17: <volume>/pgdata in our bundles, or the volume itself). The server
// here is the real PostgreSQL 15; the other major is simulated by a PG_VERSION file (with the
// global/ directory every data directory has), which is all the guard reads. The real 15 -> 18
// remount runs in the docker suite.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { giveToPostgres, PG_BIN, postgresOwnedTempDir } from '../../support/as-postgres.js';
import { assertNoProcessLeftBehind, Lab, PASSWORD, type Node } from '../../support/entrypoint-run.js';

const SERVER_MAJOR = /\) (\d+)/.exec(execFileSync(join(PG_BIN, 'postgres'), ['--version'], { encoding: 'utf8' }))![1]!;

/** A fake data directory of another major: PG_VERSION plus global/. */
function fakeCluster(dir: string, major: string): void {
  mkdirSync(join(dir, 'global'), { recursive: true });
  writeFileSync(join(dir, 'PG_VERSION'), `${major}\n`);
}

/** Every path under `root`, to prove a refused start changed nothing. */
function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

/** A postgres-owned directory standing for the volume. */
function volume(lab: Lab): string {
  const dir = postgresOwnedTempDir('pg-ha-init-volume-');
  lab.track(dir);
  return dir;
}

async function assertRefused(node: Node, volumeRoot: string, found: string, where: string): Promise<void> {
  const before = tree(volumeRoot);
  const run = node.start();
  await run.exited;
  assert.equal(run.exitCode, 1, run.output);
  assert.ok(run.stderr.includes(`this server is PostgreSQL ${SERVER_MAJOR}, but ${where} holds a PostgreSQL ${found} cluster`), run.output);
  assert.match(run.stderr, /nothing was initialised or changed/);
  assert.match(run.stderr, /"Upgrade to a new major" procedure in the bundle's README\.md/);
  assert.doesNotMatch(run.stderr, /initialising|cloning/);
  assert.deepEqual(tree(volumeRoot), before, 'the refused start changed the volume');
}

test('the major-version guard refuses foreign data in every layout, before touching anything', { timeout: 120_000 }, async (t) => {
  assert.notEqual(SERVER_MAJOR, '18');
  const lab = new Lab(t);

  await t.test('PGDATA itself holds another major (primary started as root)', async () => {
    const root = volume(lab);
    const pgdata = join(root, 'pgdata');
    fakeCluster(pgdata, '18');
    giveToPostgres(pgdata);
    const node = await lab.primary('pgdata_18', PASSWORD, { env: { PGDATA: pgdata } });
    await assertRefused(node, root, '18', pgdata);
  });

  await t.test('an 18 volume remounted for this major: <volume>/18/docker beside an empty <volume>/pgdata', async () => {
    const root = volume(lab);
    fakeCluster(join(root, '18', 'docker'), '18');
    for (const role of ['primary', 'replica'] as const) {
      const env = { PGDATA: join(root, 'pgdata'), PRIMARY_WAIT_TIMEOUT: '2' };
      const node = role === 'primary'
        ? await lab.primary(`v18_${role}`, PASSWORD, { env })
        : await lab.replica(`v18_${role}`, await lab.primary('absent', PASSWORD), PASSWORD, env);
      await assertRefused(node, root, '18', join(root, '18', 'docker'));
    }
  });

  await t.test('an older volume remounted in the 18 layout: <volume>/data/pgdata or <volume>/data beside <volume>/N/docker', async () => {
    for (const old of [join('data', 'pgdata'), 'data']) {
      const root = volume(lab);
      fakeCluster(join(root, old), '17');
      const node = await lab.primary(`v17_${old.replace('/', '_')}`, PASSWORD, { env: { PGDATA: join(root, SERVER_MAJOR, 'docker') } });
      await assertRefused(node, root, '17', join(root, old));
      assert.ok(!existsSync(join(root, SERVER_MAJOR)), 'the refused start created the new layout');
    }
  });

  await t.test('PGDATA holds this major: an old cluster elsewhere in the volume is only a warning', async () => {
    const root = volume(lab);
    const node = await lab.primary('upgraded', PASSWORD, { env: { PGDATA: join(root, 'pgdata') } });
    node.start();
    await node.waitHealthy();
    await node.stop();
    fakeCluster(join(root, 'old', 'pgdata'), '14');
    const run = node.start();
    await node.waitHealthy();
    assert.ok(run.stderr.includes(`the volume also holds a PostgreSQL 14 cluster at ${join(root, 'old', 'pgdata')}`), run.output);
    assert.equal(await node.sql('SELECT pg_is_in_recovery()'), 'f');
  });
});

after(assertNoProcessLeftBehind);
