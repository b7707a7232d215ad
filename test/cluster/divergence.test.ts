// The rejoin decision of the reference ("Has a demoted node diverged?"), case by case. The e2e
// test cluster-rejoin checks the same function against pg_rewind on real servers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseControlData } from '../../src/cluster/controldata.js';
import { decideRejoin, type NewPrimaryFacts } from '../../src/cluster/divergence.js';
import { parseTimelineHistory } from '../../src/cluster/timeline-history.js';
import { PRIMARY_SHUT_DOWN, SYSID, variant } from './fixtures.js';

const S = '0/3000148';
const onTl2: NewPrimaryFacts = { systemIdentifier: SYSID, timeline: 2, history: parseTimelineHistory(`1\t${S}\tno recovery target specified\n`) };

function oldPrimary(checkpoint: string, extra: Record<string, string> = {}): ReturnType<typeof parseControlData> {
  return parseControlData(variant(PRIMARY_SHUT_DOWN, {
    'Latest checkpoint location': checkpoint, "Latest checkpoint's REDO location": checkpoint, 'wal_log_hints setting': 'on', ...extra,
  }));
}

function oldStandby(minRecovery: string, timeline: string, extra: Record<string, string> = {}): ReturnType<typeof parseControlData> {
  return parseControlData(variant(PRIMARY_SHUT_DOWN, {
    'Database cluster state': 'shut down in recovery', 'Minimum recovery ending location': minRecovery,
    "Min recovery ending loc's timeline": timeline, 'wal_log_hints setting': 'on', ...extra,
  }));
}

test('a primary stopped cleanly before the switchpoint follows without rewind', () => {
  const d = decideRejoin({ old: oldPrimary('0/30000D0'), newPrimary: onTl2 });
  assert.equal(d.action, 'follow');
  assert.equal(d.switchpoint, 0x3000148n);
  assert.equal(d.diverged, null);
  assert.match(d.reason, /latest checkpoint 0\/30000D0 on timeline 1 is before the switchpoint 0\/3000148/u);
  // With the checkpoint record's end known (pg_waldump), it must not pass the switchpoint.
  assert.equal(decideRejoin({ old: oldPrimary('0/30000D0'), newPrimary: onTl2, checkpointEnd: 0x3000148n }).action, 'follow');
  assert.equal(decideRejoin({ old: oldPrimary('0/30000D0'), newPrimary: onTl2, checkpointEnd: 0x3000150n }).action, 'rewind');
});

test('a primary that wrote past the switchpoint is rewound, and the range to save is named', () => {
  for (const checkpoint of [S, '0/5000028']) {
    const d = decideRejoin({ old: oldPrimary(checkpoint), newPrimary: onTl2 });
    assert.equal(d.action, 'rewind', checkpoint);
    assert.match(d.reason, /at or beyond the switchpoint 0\/3000148/u);
  }
  const d = decideRejoin({ old: oldPrimary('0/5000028'), newPrimary: onTl2 });
  assert.deepEqual(d.diverged, {
    from: S, to: '0/5000028', timeline: 1, walFiles: ['000000010000000000000003', '000000010000000000000004', '000000010000000000000005'],
  });
});

test('a rewind the node cannot take becomes a re-clone, with the reason', () => {
  const d = decideRejoin({ old: oldPrimary('0/5000028', { 'wal_log_hints setting': 'off' }), newPrimary: onTl2 });
  assert.equal(d.action, 'reclone');
  assert.match(d.reason, /neither data checksums nor wal_log_hints/u);
  // Not needed, not refused: a node that can follow does not need the prerequisites.
  assert.equal(decideRejoin({ old: oldPrimary('0/30000D0', { 'wal_log_hints setting': 'off' }), newPrimary: onTl2 }).action, 'follow');
});

test('a stopped standby: its minimum recovery point against the switchpoint', () => {
  assert.equal(decideRejoin({ old: oldStandby('0/3000100', '1'), newPrimary: onTl2 }).action, 'follow');
  assert.equal(decideRejoin({ old: oldStandby(S, '1'), newPrimary: onTl2 }).action, 'follow', 'replayed up to the switchpoint itself');
  const beyond = decideRejoin({ old: oldStandby('0/3000200', '1'), newPrimary: onTl2 });
  assert.equal(beyond.action, 'rewind');
  assert.match(beyond.reason, /minimum recovery ending location 0\/3000200 on timeline 1 is beyond the switchpoint/u);
  // Already on the new timeline: it only catches up.
  assert.equal(decideRejoin({ old: oldStandby('0/3000300', '2'), newPrimary: onTl2 }).action, 'follow');
});

test('another lineage or another cluster', () => {
  const tl3: NewPrimaryFacts = { systemIdentifier: SYSID, timeline: 3, history: parseTimelineHistory(`1\t${S}\tx\n2\t0/4000000\tx\n`) };
  // A node that was promoted to timeline 2 elsewhere, not the 2 in this history: still judged by the switchpoint of 2.
  assert.equal(decideRejoin({ old: oldPrimary('0/4000100', { "Latest checkpoint's TimeLineID": '2' }), newPrimary: tl3 }).action, 'rewind');
  assert.equal(decideRejoin({ old: oldPrimary('0/3FFFF00', { "Latest checkpoint's TimeLineID": '2' }), newPrimary: tl3 }).action, 'follow');
  const notAncestor = decideRejoin({ old: oldPrimary('0/3000100', { "Latest checkpoint's TimeLineID": '4' }), newPrimary: tl3 });
  assert.equal(notAncestor.action, 'rewind');
  assert.match(notAncestor.reason, /newer than the primary's timeline 3/u);
  const sibling: NewPrimaryFacts = { systemIdentifier: SYSID, timeline: 3, history: parseTimelineHistory(`1\t${S}\tx\n`) };
  assert.match(decideRejoin({ old: oldPrimary('0/3000100', { "Latest checkpoint's TimeLineID": '2' }), newPrimary: sibling }).reason, /timeline 2 is not in the primary's history/u);
  const foreign = decideRejoin({ old: oldPrimary('0/30000D0'), newPrimary: { ...onTl2, systemIdentifier: '1' } });
  assert.equal(foreign.action, 'refuse');
  assert.match(foreign.reason, /another cluster/u);
});

test('a crashed primary is judged conservatively, and the same timeline is special', () => {
  const crashedBefore = decideRejoin({ old: oldPrimary('0/2000100', { 'Database cluster state': 'in production' }), newPrimary: onTl2 });
  assert.equal(crashedBefore.action, 'rewind', 'its WAL may go beyond its last checkpoint');
  assert.match(crashedBefore.reason, /not shut down cleanly/u);
  const sameTl: NewPrimaryFacts = { systemIdentifier: SYSID, timeline: 1, history: [], currentLsn: 0x3000000n };
  assert.equal(decideRejoin({ old: oldStandby('0/2000000', '1'), newPrimary: sameTl }).action, 'follow');
  const ahead = decideRejoin({ old: oldPrimary('0/4000000'), newPrimary: sameTl });
  assert.equal(ahead.action, 'reclone');
  assert.match(ahead.reason, /promotion without a timeline switch/u);
});
