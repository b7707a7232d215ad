// Switchover preflight and failover candidate choice: named failures with fixes, on views built
// from node states shaped as real PostgreSQL 15 returns them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFailoverCandidate, switchoverPreflight } from '../../src/cluster/preflight.js';
import { buildClusterView } from '../../src/cluster/view.js';
import { down, healthy, NODES, ok, primaryState, replicaState, slot, walsender } from './fixtures.js';

const checks = (failures: { check: string }[]): string[] => failures.map((f) => f.check);

test('switchover to a streaming replica of a rewindable primary passes', () => {
  assert.deepEqual(switchoverPreflight(buildClusterView(NODES, healthy()), 'replica1'), []);
});

test('switchover refuses bad candidates, each with a named check and a fix', () => {
  const view = buildClusterView(NODES, healthy());
  const unknown = switchoverPreflight(view, 'replica9');
  assert.deepEqual(checks(unknown), ['candidate-known']);
  assert.match(unknown[0]?.message ?? '', /replica9 is not a node of this bundle \(nodes: primary, replica1, replica2\)/u);
  assert.deepEqual(checks(switchoverPreflight(view, 'primary')), ['candidate-is-primary']);

  const probes = healthy();
  probes.set('replica2', down('stopped'));
  const stopped = switchoverPreflight(buildClusterView(NODES, probes), 'replica2');
  assert.deepEqual(checks(stopped), ['candidate-streaming']);
  assert.match(stopped[0]?.fix ?? '', /start replica2/u);

  probes.set('primary', ok(primaryState({ currentLsn: '0/5000148', replication: [walsender('replica1'), walsender('replica2')], slots: [slot('replica1')] })));
  const lagging = switchoverPreflight(buildClusterView(NODES, probes), 'replica1');
  assert.deepEqual(checks(lagging), ['candidate-lag']);
  assert.match(lagging[0]?.message ?? '', /replica1 is 33554432 bytes behind the primary \(at most 16777216 allowed\)/u);
  assert.deepEqual(switchoverPreflight(buildClusterView(NODES, probes), 'replica1', { maxLagBytes: 64 * 1048576 }), []);
});

test('switchover refuses a primary that could not be rewound, a foreign candidate, an older timeline', () => {
  const probes = healthy();
  probes.set('primary', ok(primaryState({ walLogHints: false, dataChecksums: false, replication: [walsender('replica1'), walsender('replica2')] })));
  const f = switchoverPreflight(buildClusterView(NODES, probes), 'replica1');
  assert.deepEqual(checks(f), ['rewind-possible']);
  assert.match(f[0]?.fix ?? '', /wal_log_hints = on/u);
  probes.set('primary', ok(primaryState({ dataChecksums: true, walLogHints: false, replication: [walsender('replica1'), walsender('replica2')] })));
  assert.deepEqual(switchoverPreflight(buildClusterView(NODES, probes), 'replica1'), [], 'checksums are enough');

  const other = healthy();
  other.set('replica1', ok(replicaState('replica1', { systemIdentifier: '42' })));
  assert.deepEqual(checks(switchoverPreflight(buildClusterView(NODES, other), 'replica1')), ['system-identifier']);
  const older = healthy();
  older.set('primary', ok(primaryState({ timeline: 2, replication: [walsender('replica1'), walsender('replica2')] })));
  assert.deepEqual(checks(switchoverPreflight(buildClusterView(NODES, older), 'replica1')), ['candidate-timeline']);
});

test('switchover needs exactly one writable primary', () => {
  const none = healthy();
  none.set('primary', down('stopped'));
  const f = switchoverPreflight(buildClusterView(NODES, none), 'replica1');
  assert.equal(f[0]?.check, 'one-primary');
  assert.match(f[0]?.fix ?? '', /failover/u);
  const two = healthy();
  two.set('replica2', ok(primaryState({ timeline: 2 })));
  assert.match(switchoverPreflight(buildClusterView(NODES, two), 'replica1')[0]?.message ?? '', /2 nodes accept writes \(primary, replica2\): split brain/u);
});

function primaryGone(r1: string, r2: string): ReturnType<typeof buildClusterView> {
  const probes = healthy();
  probes.set('primary', down('stopped'));
  probes.set('replica1', ok(replicaState('replica1', { receiver: null, receiveLsn: r1, replayLsn: '0/3000000' })));
  probes.set('replica2', ok(replicaState('replica2', { receiver: null, receiveLsn: r2, replayLsn: '0/3000000' })));
  return buildClusterView(NODES, probes);
}

test('failover promotes the replica that received the most WAL', () => {
  const choice = chooseFailoverCandidate(primaryGone('0/3000100', '0/3000200'));
  assert.ok(choice.ok);
  assert.equal(choice.candidate, 'replica2');
  assert.equal(choice.behindBytes, 0);
  assert.match(choice.unknownLoss, /beyond 0\/3000200 .* unknown until `pg-ha-init rejoin` reads it/u);
});

test('failover --to a less advanced replica needs --allow-data-loss and names the gap', () => {
  const view = primaryGone('0/3000100', '0/3000200');
  const refused = chooseFailoverCandidate(view, { to: 'replica1' });
  assert.ok(!refused.ok);
  assert.deepEqual(checks(refused.failures), ['candidate-behind']);
  assert.match(refused.failures[0]?.message ?? '', /replica1 received 256 bytes less WAL than replica2/u);
  const allowed = chooseFailoverCandidate(view, { to: 'replica1', allowDataLoss: true });
  assert.ok(allowed.ok);
  assert.deepEqual([allowed.candidate, allowed.mostAdvanced, allowed.behindBytes], ['replica1', 'replica2', 256]);
  const equal = chooseFailoverCandidate(primaryGone('0/3000200', '0/3000200'), { to: 'replica1' });
  assert.ok(equal.ok, 'as advanced as the best: no loss, no flag needed');
});

test('failover refuses while a primary answers, a --to that is down or unknown, and with no replica', () => {
  const alive = chooseFailoverCandidate(buildClusterView(NODES, healthy()));
  assert.ok(!alive.ok);
  assert.deepEqual(checks(alive.failures), ['primary-alive']);
  assert.match(alive.failures[0]?.fix ?? '', /switchover/u);
  assert.ok(chooseFailoverCandidate(buildClusterView(NODES, healthy()), { force: true }).ok, '--force abandons it');

  const probes = healthy();
  probes.set('primary', down('stopped'));
  probes.set('replica1', down('unreachable'));
  const view = buildClusterView(NODES, probes);
  const toDown = chooseFailoverCandidate(view, { to: 'replica1' });
  assert.ok(!toDown.ok);
  assert.deepEqual(checks(toDown.failures), ['candidate-down']);
  const unknown = chooseFailoverCandidate(view, { to: 'nope' });
  assert.ok(!unknown.ok);
  assert.deepEqual(checks(unknown.failures), ['candidate-known']);
  probes.set('replica2', down('stopped'));
  const none = chooseFailoverCandidate(buildClusterView(NODES, probes));
  assert.ok(!none.ok);
  assert.deepEqual(checks(none.failures), ['no-candidate']);
});

test('a replica already on a newer timeline wins over more WAL on an older one', () => {
  const probes = healthy();
  probes.set('primary', down('stopped'));
  probes.set('replica1', ok(replicaState('replica1', { receiver: null, receiveLsn: '0/9000000', timeline: 1 })));
  probes.set('replica2', ok(replicaState('replica2', { receiver: null, receiveLsn: '0/3000000', timeline: 2 })));
  const choice = chooseFailoverCandidate(buildClusterView(NODES, probes));
  assert.ok(choice.ok);
  assert.equal(choice.candidate, 'replica2');
});

test('failover in a per-host replica bundle refuses while the replica still streams from its primary', () => {
  const only = [{ name: 'replica', declaredRole: 'replica' as const }];
  const streaming = buildClusterView(only, new Map([['replica', ok(replicaState('replica', { receiver: { status: 'streaming', receivedTimeline: 1, senderHost: 'db1', senderPort: 5432, slotName: 'replica', lastMessageAgeSeconds: 0.1 } }))]]), { remotePrimary: true });
  const refused = chooseFailoverCandidate(streaming);
  assert.ok(!refused.ok);
  assert.match(refused.failures[0]?.message ?? '', /^db1:5432 answers as a writable primary/u);
  const cut = buildClusterView(only, new Map([['replica', ok(replicaState('replica', { receiver: null }))]]), { remotePrimary: true });
  const chosen = chooseFailoverCandidate(cut);
  assert.ok(chosen.ok);
  assert.equal(chosen.candidate, 'replica');
});
