// The rejoin decision on real PostgreSQL 15, and pg_rewind as the referee. A primary and two
// replicas on loopback (see test/cluster/support/local-servers.ts: only the transport differs
// from the engine's). First a clean switchover: the old primary and a stopped standby need no
// rewind, pg_rewind --dry-run agrees, and both then stream from the new primary. Then a
// deliberate divergence: the old primary is promoted back while the new one keeps taking writes;
// the node that wrote (and the standby that replayed it) need a rewind, pg_rewind agrees and runs,
// and afterwards they stream on the newest timeline without the diverged rows.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { CHECKPOINT_SQL, RECEIVED_LSN_SQL, dropStaleSlotSql, ensureSlotSql, promoteSql } from '../../src/cluster/actions-sql.js';
import { parseControlData, type ControlData } from '../../src/cluster/controldata.js';
import { decideRejoin, type NewPrimaryFacts } from '../../src/cluster/divergence.js';
import { parseLsn } from '../../src/cluster/lsn.js';
import { readTimelineHistory } from '../../src/cluster/timeline-history.js';
import { readCheckpointEnd } from '../../src/cluster/waldump.js';
import { readCluster, type ClusterView, type ExpectedNode } from '../../src/cluster/view.js';
import { LocalServers, waitFor, type LocalNode } from '../cluster/support/local-servers.js';

const servers = LocalServers.create();
let a: LocalNode;
let b: LocalNode;
let c: LocalNode;

async function control(node: LocalNode): Promise<ControlData> {
  const r = await servers.runner.controldata?.(node.name);
  assert.ok(r?.ok, r?.stderr);
  return parseControlData(r.stdout);
}

async function newPrimaryFacts(node: LocalNode): Promise<NewPrimaryFacts> {
  // A fresh promotion writes its checkpoint later; take one now, as rejoin will (repmgr #372).
  node.psql(CHECKPOINT_SQL);
  const [view] = [await readCluster(servers.runner, [{ name: node.name }])];
  const state = view.states.get(node.name);
  assert.ok(state && !state.inRecovery, `${node.name} should be writable`);
  return {
    systemIdentifier: state.systemIdentifier, timeline: state.timeline, currentLsn: parseLsn(state.currentLsn ?? '0/0'),
    history: await readTimelineHistory(servers.runner, node.name, state.timeline),
  };
}

const streamingFrom = (primary: string, nodes: ExpectedNode[]): Promise<ClusterView> => servers.caughtUp(primary, nodes);

/** Start `followers` (stopped) as standbys of `primary`, each through a fresh slot of its own there. */
function follow(primary: LocalNode, followers: LocalNode[]): void {
  for (const f of followers) {
    primary.psql(dropStaleSlotSql(f.name));
    assert.equal(primary.psql(ensureSlotSql(f.name)), f.name);
    assert.equal(primary.psql(ensureSlotSql(f.name)), f.name, 'a second run finds the slot');
    f.followAs(primary, f.name);
    f.start();
  }
}

before(async () => {
  a = await servers.initPrimary('a');
  a.psql('create table t (id int primary key, origin text); insert into t select g, \'a\' from generate_series(1, 1000) g');
  b = await servers.cloneReplica('b', a);
  c = await servers.cloneReplica('c', a);
  await streamingFrom('a', [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
});

test('clean switchover a → b: the old primary and a stopped standby rejoin without rewind', async () => {
  a.psql('insert into t select g, \'a\' from generate_series(1001, 2000) g; checkpoint');
  a.stop('fast');
  const oldPrimary = await control(a);
  assert.equal(oldPrimary.state, 'shut down');
  assert.equal(oldPrimary.latestCheckpoint, oldPrimary.latestCheckpointRedo, 'a shutdown checkpoint redoes from itself');
  // Step 4 of the reference: the candidate (and here the sibling) received the shutdown checkpoint.
  for (const node of [b, c]) {
    await waitFor(`${node.name} to receive the shutdown checkpoint`, async () => {
      const lsn = node.psql(RECEIVED_LSN_SQL);
      return parseLsn(lsn) > oldPrimary.latestCheckpoint ? lsn : undefined;
    });
  }
  c.stop('fast');
  const stoppedStandby = await control(c);
  assert.equal(stoppedStandby.state, 'shut down in recovery');

  assert.equal(b.psql(promoteSql()), 't');
  const facts = await newPrimaryFacts(b);
  assert.equal(facts.timeline, 2);
  assert.equal(facts.history.length, 1);
  const switchpoint = facts.history[0]?.switchpoint ?? 0n;
  assert.ok(oldPrimary.latestCheckpoint < switchpoint, 'the switchpoint follows the shutdown checkpoint');

  const forA = decideRejoin({ old: oldPrimary, newPrimary: facts });
  assert.equal(forA.action, 'follow', forA.reason);
  assert.match(forA.reason, /latest checkpoint .* on timeline 1 is before the switchpoint .* its shutdown checkpoint is its last record/u);
  // Patroni's finer test: the checkpoint record ends exactly where the new timeline begins.
  const checkpointEnd = await readCheckpointEnd(servers.runner, 'a', oldPrimary);
  assert.equal(checkpointEnd, switchpoint);
  assert.equal(decideRejoin({ old: oldPrimary, newPrimary: facts, checkpointEnd: checkpointEnd ?? undefined }).action, 'follow');
  const forC = decideRejoin({ old: stoppedStandby, newPrimary: facts });
  assert.equal(forC.action, 'follow', forC.reason);
  // pg_rewind, the tool the decision stands in for, agrees.
  assert.match(servers.rewind(a, b, { dryRun: true }), /no rewind required/u);
  assert.match(servers.rewind(c, b, { dryRun: true }), /no rewind required/u);

  // And the decision holds: both start as standbys of b, as they are, and catch up on timeline 2.
  follow(b, [a, c]);
  b.psql('insert into t select g, \'b\' from generate_series(2001, 2100) g');
  const v = await streamingFrom('b', [{ name: 'b', declaredRole: 'primary' }, { name: 'a', declaredRole: 'replica' }, { name: 'c', declaredRole: 'replica' }]);
  assert.deepEqual(v.nodes.map((n) => [n.name, n.timeline]), [['b', 2], ['a', 2], ['c', 2]]);
  for (const node of [a, c]) assert.equal(node.psql('select count(*) from t'), '2100', node.name);
});

test('diverged: b keeps writing after a is promoted → b (and c, which replayed it) need a rewind', async () => {
  // a is promoted behind b's back: split brain on purpose. b writes rows a never gets; c replays them.
  assert.equal(a.psql(promoteSql()), 't');
  b.psql('insert into t select g, \'lost\' from generate_series(5001, 5500) g');
  const bEnd = b.psql('select pg_current_wal_lsn()');
  await waitFor('c to replay the diverged rows', async () => (parseLsn(c.psql('select pg_last_wal_replay_lsn()')) >= parseLsn(bEnd) ? true : undefined));
  b.stop('fast');
  c.stop('fast');
  const oldB = await control(b);
  const oldC = await control(c);
  assert.deepEqual([oldB.state, oldB.checkpointTimeline], ['shut down', 2]);
  assert.equal(oldC.state, 'shut down in recovery');

  const facts = await newPrimaryFacts(a);
  assert.equal(facts.timeline, 3);
  assert.deepEqual(facts.history.map((e) => e.timeline), [1, 2]);
  const forB = decideRejoin({ old: oldB, newPrimary: facts });
  assert.equal(forB.action, 'rewind', forB.reason);
  assert.match(forB.reason, /latest checkpoint .* on timeline 2 is at or beyond the switchpoint .*: it wrote WAL the new primary never received/u);
  assert.ok(forB.diverged && forB.diverged.walFiles.length >= 1);
  assert.match(forB.diverged.walFiles[0] ?? '', /^00000002[0-9A-F]{16}$/u);
  // The WAL to save aside before rewinding is really there.
  assert.ok(forB.diverged.walFiles.every((f) => b.readFile(`pg_wal/${f}`).length > 0));
  const forC = decideRejoin({ old: oldC, newPrimary: facts });
  assert.equal(forC.action, 'rewind', forC.reason);
  assert.match(forC.reason, /beyond the switchpoint .*: it replayed WAL the new primary never had/u);

  // pg_rewind agrees (a no-rewind answer would print "no rewind required")...
  for (const node of [b, c]) {
    const dry = servers.rewind(node, a, { dryRun: true });
    assert.doesNotMatch(dry, /no rewind required/u, node.name);
    assert.match(dry, /rewinding from last common checkpoint/u, node.name);
  }
  // ...and the rewind makes them followers of a on timeline 3, without the diverged rows.
  for (const node of [b, c]) servers.rewind(node, a, { dryRun: false });
  // a still holds the slots b and c got when they were cloned from it (slots are not replicated,
  // and a kept them as a standby): stale, inactive, pinning WAL of timeline 1. follow() recreates them.
  const stale = (await readCluster(servers.runner, [{ name: 'a' }])).slots.map((s) => [s.name, s.active]);
  assert.deepEqual(stale, [['b', false], ['c', false]]);
  follow(a, [b, c]);
  a.psql('insert into t select g, \'a\' from generate_series(6001, 6100) g');
  const v = await streamingFrom('a', [{ name: 'a', declaredRole: 'primary' }, { name: 'b', declaredRole: 'replica' }, { name: 'c', declaredRole: 'replica' }]);
  assert.deepEqual(v.nodes.map((n) => [n.name, n.timeline]), [['a', 3], ['b', 3], ['c', 3]]);
  for (const node of [a, b, c]) {
    assert.equal(node.psql("select count(*) || ' ' || count(*) filter (where origin = 'lost') from t"), '2200 0', node.name);
  }
});

test('a crashed primary (immediate stop) is never judged safe from its last checkpoint alone', async () => {
  a.psql('insert into t select g, \'a\' from generate_series(7001, 7100) g');
  a.stop('immediate');
  const crashed = await control(a);
  assert.equal(crashed.state, 'in production');
  // Promote b (a standby of a on timeline 3) as a failover would, then judge a.
  assert.equal(b.psql(promoteSql()), 't');
  const d = decideRejoin({ old: crashed, newPrimary: await newPrimaryFacts(b) });
  assert.equal(d.action, 'rewind', d.reason);
  assert.match(d.reason, /not shut down cleanly/u);
});
