// Issue 12's synchronous replication on the real engine: a stack rendered with SYNC_REPLICAS=1 and
// two replicas. The primary's synchronous_standby_names is what the bundle's README ("Durability")
// says; a commit returns while replicas stream; with BOTH replicas stopped a write blocks
// (pg_stat_activity: wait_event SyncRep) and `pg-ha-init status --dir` (the real CLI, its own
// process) says why and exits 1; starting one replica unblocks the write. After `pg-ha-init
// switchover --to replica1` the new primary has the same list, its standbys are quorum, and a
// write on it waits while they are down (issue 12: the rule holds after a switchover).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, type Variant } from './support/matrix.js';
import { run, waitFor } from './support/process.js';
import { REPO, rig } from './support/rig.js';
import { psql, scenario, waitStreaming } from './support/scenario.js';

const VARIANT: Variant = { major: 18, engine: 'v2' };

/** `ANY 1 ("primary", "replica1")` -> { count: 1, names: [primary, replica1] }, names sorted. */
function quorum(text: string): { count: number; names: string[] } {
  const m = /^ANY (\d+) \((.*)\)$/.exec(text.trim());
  assert.ok(m, `an ANY k (...) list: ${text}`);
  return { count: Number(m[1]), names: (m[2] as string).split(',').map((n) => n.trim().replace(/^"(.*)"$/, '$1')).sort() };
}

/** What the README's Durability section promises: k and the listed services. */
function readmeQuorum(readme: string): { count: number; names: string[] } {
  const section = /^## Durability\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  const k = /`SYNC_REPLICAS=(\d+)`/.exec(section);
  const listed = /Every service is listed \(([^)]*)\)/.exec(section);
  assert.ok(k && listed, `the Durability section names k and the services:\n${section}`);
  assert.match(section, new RegExp(`synchronous_standby_names = 'ANY ${k[1]} \\(…\\)'`));
  return { count: Number(k[1]), names: [...(listed[1] as string).matchAll(/`([^`]+)`/g)].map((x) => x[1] as string).sort() };
}

test(`SYNC_REPLICAS=1 with both replicas stopped: writes wait (SyncRep), status says why, one replica back unblocks [${describe(VARIANT)}]`, { timeout: 400_000 }, async (t) => {
  await scenario(t, 'synchronous replication', VARIANT, async (s) => {
    const { bundle, project, primary, refs } = await s.stack('sync', { REPLICA_COUNT: '2', SYNC_REPLICAS: '1' });
    const status = async () => run(process.execPath, ['--import', 'tsx', `${REPO}/src/cli.ts`, 'status', '--dir', bundle.dir, '--project-name', project.name],
      { env: { ...(await rig()).env, NO_COLOR: '1' }, cwd: REPO, check: false, timeoutMs: 120_000 });
    let blocked: Promise<string> | undefined;

    await s.steps([
      ['up, streaming; synchronous_standby_names as the README says', async () => {
        await s.time('up --wait -> streaming', async () => {
          await project.up([], ['--wait']);
          await waitStreaming(primary, refs);
        });
        const live = await psql(primary, 'SHOW synchronous_standby_names;');
        assert.deepEqual(quorum(live), readmeQuorum(bundle.read('README.md')), `live: ${live}`);
        assert.equal(await psql(primary, 'SHOW synchronous_commit;'), 'on');
      }],
      ['a commit returns, confirmed by a quorum standby', async () => {
        await psql(primary, 'CREATE TABLE sync_rows (id int PRIMARY KEY);');
        await s.time('one synchronous commit', () => psql(primary, 'INSERT INTO sync_rows VALUES (1);'));
        const states = await psql(primary, 'SELECT string_agg(sync_state, \',\' ORDER BY application_name) FROM pg_stat_replication;');
        assert.equal(states, 'quorum,quorum');
        const ok = await status();
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      }],
      ['both replicas stopped: the write waits on SyncRep, status says why (exit 1)', async () => {
        await project.compose(['stop', '-t', '30', 'replica1', 'replica2']);
        blocked = project.psql('primary', 'INSERT INTO sync_rows VALUES (2);', { user: primary.user, timeoutMs: 240_000 });
        const waitEvent = await waitFor(async () => {
          const e = await psql(primary, "SELECT wait_event FROM pg_stat_activity WHERE query LIKE 'INSERT INTO sync_rows VALUES (2)%';");
          return e === 'SyncRep' ? e : undefined;
        }, { timeoutMs: 30_000, intervalMs: 300, what: 'the INSERT to wait on SyncRep' });
        assert.equal(waitEvent, 'SyncRep');
        const r = await status();
        console.log(r.stdout);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stdout, /^WARNING: primary: synchronous_standby_names = 'ANY 1 \(.*\)' needs 1 synchronous replica streaming, 0 are: commits wait \(writes are blocked\)$/m);
        // Still waiting: the commit is on the primary's disk but not acknowledged.
        const settled = await Promise.race([blocked.then(() => 'returned'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 1000))]);
        assert.equal(settled, 'waiting');
      }],
      ['one replica started: the write returns', async () => {
        await project.compose(['start', 'replica1']);
        await s.time('replica1 start -> blocked commit returns', () => blocked as Promise<string>);
        assert.equal(await psql(primary, 'SELECT count(*) FROM sync_rows;'), '2');
        await waitStreaming(primary, [refs[0]!]);
        const r = await status();
        assert.doesNotMatch(r.stdout, /commits wait/, r.stdout);
      }],
      ['after a switchover the new primary keeps the rule: same list, quorum standbys, writes wait without them', async () => {
        await project.compose(['start', 'replica2']);
        await waitStreaming(primary, refs);
        const moved = await run(process.execPath, ['--import', 'tsx', `${REPO}/src/cli.ts`, 'switchover', '--to', 'replica1', '--yes', '--dir', bundle.dir, '--project-name', project.name],
          { env: { ...(await rig()).env, NO_COLOR: '1' }, cwd: REPO, check: false, timeoutMs: 300_000 });
        assert.equal(moved.code, 0, moved.stdout + moved.stderr);
        const newPrimary = { ...primary, service: 'replica1' };
        const live = await psql(newPrimary, 'SHOW synchronous_standby_names;');
        assert.deepEqual(quorum(live), readmeQuorum(bundle.read('README.md')), `live on replica1: ${live}`);
        assert.equal(await psql(newPrimary, 'SHOW synchronous_commit;'), 'on');
        await waitFor(async () => (await psql(newPrimary, "SELECT string_agg(application_name || ':' || sync_state, ',' ORDER BY application_name) FROM pg_stat_replication;")) === 'primary:quorum,replica2:quorum' || undefined,
          { timeoutMs: 60_000, intervalMs: 500, what: 'primary and replica2 as quorum standbys of replica1' });
        await psql(newPrimary, 'INSERT INTO sync_rows VALUES (3);');
        await project.compose(['stop', '-t', '30', 'primary', 'replica2']);
        const waiting = project.psql('replica1', 'INSERT INTO sync_rows VALUES (4);', { user: primary.user, timeoutMs: 240_000 });
        await waitFor(async () => (await psql(newPrimary, "SELECT wait_event FROM pg_stat_activity WHERE query LIKE 'INSERT INTO sync_rows VALUES (4)%';")) === 'SyncRep' || undefined,
          { timeoutMs: 30_000, intervalMs: 300, what: 'the INSERT on the new primary to wait on SyncRep' });
        await project.compose(['start', 'replica2']);
        await waiting;
        assert.equal(await psql(newPrimary, 'SELECT count(*) FROM sync_rows;'), '4');
      }],
    ]);
  });
});
