// checkFollow: may a per-host replica follow another primary as it is, or does it need a rewind?
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFollow, parseLsn, type FollowTarget } from '../../src/cluster/index.js';

const node = { systemIdentifier: '7', timeline: 1, position: parseLsn('0/5000100') };
const target = (over: Partial<FollowTarget> = {}): FollowTarget => ({
  systemIdentifier: '7', timeline: 2, inRecovery: false, flushLsn: parseLsn('0/6000000'),
  history: [{ timeline: 1, switchpoint: parseLsn('0/5000200'), reason: 'no recovery target specified' }], ...over,
});

test('a replica behind the switchpoint follows the promoted node', () => {
  const check = checkFollow(node, target(), 'db2:5432');
  assert.ok(check.ok);
  assert.match(check.reason, /0\/5000100 on timeline 1, not beyond db2:5432's switchpoint 0\/5000200 to timeline 2/);
  assert.ok(checkFollow({ ...node, position: parseLsn('0/5000200') }, target(), 'db2').ok, 'up to the switchpoint itself is common history');
  assert.ok(checkFollow({ ...node, timeline: 2 }, target(), 'db2').ok, 'already on its timeline');
});

test('WAL beyond the switchpoint, another lineage, or ahead on the same timeline: exit 1, rejoin', () => {
  for (const [n, t, want] of [
    [{ ...node, position: parseLsn('0/5000201') }, target(), /received WAL up to 0\/5000201, beyond db2's switchpoint 0\/5000200/],
    [node, target({ timeline: 3, history: [{ timeline: 2, switchpoint: 1n, reason: '' }] }), /timeline 1 is not in db2's history of timeline 3/],
    [{ ...node, timeline: 2, position: parseLsn('0/7000000') }, target(), /beyond db2's 0\/6000000 on the same timeline 2/],
  ] as const) {
    const check = checkFollow(n, t, 'db2');
    assert.ok(!check.ok);
    assert.equal(check.exitCode, 1);
    assert.match(check.message, want);
    assert.match(check.fix, /pg-ha-init rejoin --primary-host/);
  }
});

test('not a writable primary of this cluster, or an older timeline: exit 2', () => {
  for (const [t, want] of [
    [target({ inRecovery: true }), /db2 is not a writable primary \(it is in recovery/],
    [target({ systemIdentifier: '8' }), /db2 belongs to another cluster \(system identifier 8, this node 7\)/],
    [target({ timeline: 1 }), /db2 is on timeline 1, older than this node's 2/],
  ] as const) {
    const check = checkFollow({ ...node, timeline: t.timeline === 1 ? 2 : 1 }, t, 'db2');
    assert.ok(!check.ok);
    assert.equal(check.exitCode, 2);
    assert.match(check.message, want);
  }
});
