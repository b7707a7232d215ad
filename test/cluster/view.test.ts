// The status view's rules (issues 10 and 12) on node states shaped as real PostgreSQL 15 returns
// them; test/e2e/cluster-state.test.ts reaches each of these states on real servers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterJson, formatClusterTable } from '../../src/cluster/format.js';
import { buildClusterView } from '../../src/cluster/view.js';
import { down, healthy, NODES, ok, primaryState, replicaState, slot, walsender } from './fixtures.js';

const codes = (v: ReturnType<typeof buildClusterView>): string[] => v.warnings.map((w) => w.code);

test('a healthy cluster: one primary, two streaming replicas, exit 0', () => {
  const v = buildClusterView(NODES, healthy());
  assert.equal(v.primary, 'primary');
  assert.equal(v.exitCode, 0);
  assert.deepEqual(v.warnings, []);
  assert.deepEqual(v.nodes.map((n) => [n.name, n.role, n.state, n.timeline, n.lagBytes, n.lagSeconds, n.slot]), [
    ['primary', 'primary', 'running', 1, null, null, null],
    ['replica1', 'replica', 'streaming', 1, 0, 0, 'replica1'],
    ['replica2', 'replica', 'streaming', 1, 0, 0, 'replica2'],
  ]);
  assert.deepEqual(clusterJson(v).nodes[1], {
    name: 'replica1', role: 'replica', state: 'streaming', timeline: 1, lsn: '0/3000148', lagBytes: 0, lagSeconds: 0,
    syncState: 'async', slot: 'replica1', sentLsn: '0/3000148', receivedLsn: '0/3000148', upstream: 'primary:5432', detail: null, seenOnly: false,
  });
});

test('lag in bytes comes from both ends, so a broken stream does not read 0 (repmgr #519)', () => {
  const probes = healthy();
  // replica2 lost its connection 4 MiB ago: no walsender, no receiver, and time lag from its last replayed commit.
  probes.set('primary', ok(primaryState({ currentLsn: '0/3400148', replication: [walsender('replica1', { replayLsn: '0/3400000', replayLagSeconds: 0.25 })], slots: [slot('replica1'), slot('replica2', { active: false, retainedBytes: 4194304 })] })));
  probes.set('replica1', ok(replicaState('replica1', { replayLsn: '0/3400000', receiveLsn: '0/3400148' })));
  probes.set('replica2', ok(replicaState('replica2', { receiver: null, replayAgeSeconds: 93.5 })));
  const v = buildClusterView(NODES, probes);
  const [, r1, r2] = v.nodes;
  assert.deepEqual([r1?.state, r1?.lagBytes, r1?.lagSeconds], ['streaming', 0x148, 0.25]);
  assert.deepEqual([r2?.state, r2?.lagBytes, r2?.lagSeconds], ['running', 4194304, 93.5]);
  assert.deepEqual(codes(v), ['not-streaming']);
  assert.match(v.warnings[0]?.message ?? '', /^replica2 is a replica that is not streaming \(WAL receiver: none\)$/u);
  // Streaming a few bytes behind with replay_lag NULL (caught up, primary idle): 0 s, not the age of its last commit.
  probes.set('primary', ok(primaryState({ currentLsn: '0/3000200', replication: [walsender('replica1'), walsender('replica2')] })));
  probes.set('replica2', ok(replicaState('replica2', { replayAgeSeconds: 600 })));
  const idle = buildClusterView(NODES, probes);
  assert.deepEqual([idle.nodes[2]?.lagBytes, idle.nodes[2]?.lagSeconds], [0xB8, 0]);
  assert.equal(v.exitCode, 1);
});

test('a stopped replica: state stopped, warning, exit 1; a catching-up one is no warning', () => {
  const probes = healthy();
  probes.set('replica2', down('stopped', 'connection to server on socket "/tmp/x/.s.PGSQL.5432" failed: No such file or directory'));
  const p = primaryState({ replication: [walsender('replica1', { state: 'catchup' })], slots: [slot('replica1'), slot('replica2', { active: false })] });
  probes.set('primary', ok(p));
  const v = buildClusterView(NODES, probes);
  assert.deepEqual(v.nodes.map((n) => [n.name, n.role, n.state]), [['primary', 'primary', 'running'], ['replica1', 'replica', 'catching up'], ['replica2', 'unknown', 'stopped']]);
  assert.equal(v.nodes[2]?.slot, 'replica2', 'the slot it would use is still shown');
  assert.deepEqual(codes(v), ['node-down']);
  assert.match(v.warnings[0]?.message ?? '', /^replica2 is stopped: connection to server/u);
  assert.equal(v.exitCode, 1);
});

test('slots: lost, and retaining more than half of max_slot_wal_keep_size', () => {
  const probes = healthy();
  const mb = 1048576;
  probes.set('primary', ok(primaryState({
    maxSlotWalKeepSizeBytes: 64 * mb, replication: [walsender('replica1'), walsender('replica2')],
    slots: [slot('replica1', { retainedBytes: 32 * mb }), slot('replica2', { retainedBytes: 33 * mb, walStatus: 'extended' }), slot('old', { active: false, walStatus: 'lost', restartLsn: null, retainedBytes: null })],
  })));
  const v = buildClusterView(NODES, probes);
  assert.deepEqual(codes(v), ['slot-retains', 'slot-lost']);
  assert.equal(v.warnings[0]?.message, 'slot replica2 on primary retains 33 MB, more than half of max_slot_wal_keep_size (64 MB)');
  assert.match(v.warnings[1]?.message ?? '', /^slot old on primary is lost/u);
  assert.equal(v.exitCode, 1);
  // Unlimited (-1): retention alone is no warning.
  probes.set('primary', ok(primaryState({ replication: [walsender('replica1'), walsender('replica2')], slots: [slot('replica1', { retainedBytes: 1e12 })] })));
  assert.deepEqual(codes(buildClusterView(NODES, probes)), []);
});

test('a promoted replica: two writable nodes, exit 3, a replica on the older timeline, declared roles disagree', () => {
  const probes = healthy();
  probes.set('primary', ok(primaryState({ replication: [walsender('replica2')], slots: [slot('replica1', { active: false }), slot('replica2')] })));
  probes.set('replica1', ok(primaryState({ timeline: 2, currentLsn: '0/3000200' })));
  const v = buildClusterView(NODES, probes);
  assert.equal(v.primary, null);
  assert.deepEqual(v.writable, ['primary', 'replica1']);
  assert.equal(v.exitCode, 3);
  assert.equal(v.timeline, 2);
  assert.deepEqual(codes(v), ['role-mismatch', 'several-primaries', 'older-timeline']);
  assert.equal(v.warnings[0]?.message, 'replica1: the bundle declares it replica, but it is live a primary');
  assert.match(v.warnings[1]?.message ?? '', /^2 writable nodes: primary \(timeline 1\), replica1 \(timeline 2\); split brain/u);
  assert.match(v.warnings[2]?.message ?? '', /^replica2 is a replica on timeline 1, older than the primary's 2/u);
  assert.deepEqual(clusterJson(v).primary, null);
});

test('no writable node: exit 3', () => {
  const probes = healthy();
  probes.set('primary', down('unreachable', 'timeout expired'));
  const v = buildClusterView(NODES, probes);
  assert.equal(v.primary, null);
  assert.equal(v.exitCode, 3);
  assert.deepEqual(codes(v), ['no-primary', 'node-down']);
  assert.deepEqual(v.nodes.map((n) => n.lagBytes), [null, null, null], 'no primary to measure against');
});

test('synchronous replication: fewer than k streaming means commits wait (issue 12)', () => {
  const names = "ANY 2 (replica1, replica2)";
  const probes = healthy();
  probes.set('primary', ok(primaryState({ synchronousStandbyNames: names, replication: [walsender('replica1', { syncState: 'quorum' }), walsender('replica2', { syncState: 'quorum' })], slots: [slot('replica1'), slot('replica2')] })));
  let v = buildClusterView(NODES, probes);
  assert.deepEqual(codes(v), []);
  assert.deepEqual(v.nodes.map((n) => n.syncState), [null, 'quorum', 'quorum']);
  probes.set('primary', ok(primaryState({ synchronousStandbyNames: names, replication: [walsender('replica1', { syncState: 'quorum' })], slots: [slot('replica1'), slot('replica2', { active: false })] })));
  probes.set('replica2', down('stopped'));
  v = buildClusterView(NODES, probes);
  assert.deepEqual(codes(v), ['node-down', 'sync-short']);
  assert.equal(v.warnings[1]?.message, "primary: synchronous_standby_names = 'ANY 2 (replica1, replica2)' needs 2 synchronous replicas streaming, 1 is: commits wait (writes are blocked)");
});

test('a node of another cluster, and walsenders nobody declared (per-host bundles)', () => {
  const probes = healthy();
  probes.set('replica2', ok(replicaState('replica2', { systemIdentifier: '42' })));
  const v = buildClusterView(NODES, probes);
  assert.deepEqual(codes(v), ['system-identifier']);
  const lone = buildClusterView([{ name: 'primary' }], new Map([['primary', ok(primaryState({ currentLsn: '0/3000200', replication: [walsender('far_replica', { replayLsn: '0/3000100' })], slots: [slot('far_replica')] }))]]));
  assert.deepEqual(lone.nodes.map((n) => [n.name, n.role, n.state, n.timeline, n.lagBytes, n.slot, n.seenOnly]), [
    ['primary', 'primary', 'running', 1, null, null, false],
    ['far_replica', 'replica', 'streaming', 1, 256, 'far_replica', true],
  ]);
  assert.equal(lone.exitCode, 0);
});

test('the table: patronictl-style columns, the primary\'s slots, one line per warning', () => {
  const probes = healthy();
  probes.set('replica2', down('stopped', 'No such file or directory'));
  const table = formatClusterTable(buildClusterView(NODES, probes));
  const lines = table.split('\n');
  assert.match(lines[0] ?? '', /^\+ Cluster: 7713842336390555012, timeline 1 -+\+/u);
  assert.match(lines[1] ?? '', /^\| Member +\| Role +\| State +\| TL \| LSN +\| Lag\(bytes\) \| Lag\(s\) \| Sync +\| Slot +\|$/u);
  assert.ok(lines.includes('| replica1 | replica | streaming |  1 | 0/3000148 |          0 |    0.0 | async | replica1 |'), table);
  assert.ok(lines.includes('| replica2 | unknown | stopped   |    |           |            |        |       | replica2 |'), table);
  assert.ok(lines.includes('Replication slots:'), table);
  assert.equal(lines.at(-1), 'WARNING: replica2 is stopped: No such file or directory');
  // Every row of the box has the same width.
  const box = lines.slice(0, lines.indexOf(''));
  assert.equal(new Set(box.map((l) => l.length)).size, 1, table);
  assert.match(formatClusterTable(buildClusterView(NODES, healthy())), /\nNo warnings\.$/u);
});

test('--json has the keys of issue 10 and survives a round trip', () => {
  const probes = healthy();
  probes.set('replica2', down('stopped'));
  const json = JSON.parse(JSON.stringify(clusterJson(buildClusterView(NODES, probes))));
  assert.deepEqual(Object.keys(json), ['primary', 'systemIdentifier', 'timeline', 'nodes', 'slots', 'warnings', 'exitCode']);
  for (const key of ['name', 'role', 'state', 'timeline', 'lsn', 'lagBytes', 'lagSeconds', 'syncState', 'slot']) {
    assert.ok(key in json.nodes[0], key);
  }
  assert.equal(json.primary, 'primary');
  assert.deepEqual(json.warnings, ['replica2 is stopped: connection refused']);
  assert.equal(json.exitCode, 1);
});

test('a per-host replica bundle: the primary lives elsewhere and is shown as the replica sees it', () => {
  const only = [{ name: 'replica', declaredRole: 'replica' as const }];
  const streaming = buildClusterView(only, new Map([['replica', ok(replicaState('replica', { receiver: { status: 'streaming', receivedTimeline: 1, senderHost: 'db1.example', senderPort: 5432, slotName: 'replica', lastMessageAgeSeconds: 0.1 } }))]]), { remotePrimary: true });
  assert.equal(streaming.primary, 'db1.example:5432');
  assert.equal(streaming.exitCode, 0);
  assert.deepEqual(streaming.warnings, []);
  assert.deepEqual(streaming.nodes.map((n) => [n.name, n.role, n.state, n.seenOnly]), [['db1.example:5432', 'primary', 'running', true], ['replica', 'replica', 'streaming', false]]);
  // Not streaming: nothing proves a writable primary.
  const cut = buildClusterView(only, new Map([['replica', ok(replicaState('replica', { receiver: null }))]]), { remotePrimary: true });
  assert.equal(cut.primary, null);
  assert.equal(cut.exitCode, 3);
  assert.deepEqual(codes(cut), ['no-primary', 'not-streaming']);
  // Without the option the same streaming replica alone means no writable node here.
  assert.equal(buildClusterView(only, new Map([['replica', ok(replicaState('replica'))]])).exitCode, 3);
});
