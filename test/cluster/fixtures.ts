// Node states shaped exactly as parseNodeState returns them for PostgreSQL 15 (the e2e tests
// read the same shape from real servers), so the view's rules can be tested case by case.
import type { NodeProbe, NodeState, ReplicationRow, SlotState } from '../../src/cluster/live-state.js';

export const SYSID = '7713842336390555012';

export function primaryState(over: Partial<NodeState> = {}): NodeState {
  return {
    serverVersionNum: 150018, inRecovery: false, systemIdentifier: SYSID, timeline: 1, checkpointTimeline: 1,
    currentLsn: '0/3000148', receiveLsn: null, replayLsn: null, replayAgeSeconds: null, replayPaused: null, receiver: null,
    dataChecksums: false, walLogHints: true, fullPageWrites: true, maxSlotWalKeepSizeBytes: -1, synchronousStandbyNames: '',
    replication: [], slots: [], ...over,
  };
}

export function replicaState(name: string, over: Partial<NodeState> = {}): NodeState {
  return {
    ...primaryState(), inRecovery: true, currentLsn: null, receiveLsn: '0/3000148', replayLsn: '0/3000148', replayAgeSeconds: 12.5, replayPaused: false,
    receiver: { status: 'streaming', receivedTimeline: 1, senderHost: 'primary', senderPort: 5432, slotName: name, lastMessageAgeSeconds: 0.2 },
    ...over,
  };
}

export function walsender(name: string, over: Partial<ReplicationRow> = {}): ReplicationRow {
  return {
    applicationName: name, clientAddr: '172.18.0.3', state: 'streaming', sentLsn: '0/3000148', writeLsn: '0/3000148', flushLsn: '0/3000148',
    replayLsn: '0/3000148', writeLagSeconds: null, flushLagSeconds: null, replayLagSeconds: null, syncState: 'async', ...over,
  };
}

export function slot(name: string, over: Partial<SlotState> = {}): SlotState {
  return { name, type: 'physical', active: true, walStatus: 'reserved', restartLsn: '0/3000148', retainedBytes: 0, safeWalSize: null, ...over };
}

export const ok = (state: NodeState): NodeProbe => ({ ok: true, state });
export const down = (kind: 'stopped' | 'unreachable', detail = 'connection refused'): NodeProbe => ({ ok: false, failure: { kind, detail } });

/** A healthy primary with replica1 and replica2 streaming through their slots. */
export function healthy(): Map<string, NodeProbe> {
  return new Map([
    ['primary', ok(primaryState({ replication: [walsender('replica1'), walsender('replica2')], slots: [slot('replica1'), slot('replica2')] }))],
    ['replica1', ok(replicaState('replica1'))],
    ['replica2', ok(replicaState('replica2'))],
  ]);
}

export const NODES = [
  { name: 'primary', declaredRole: 'primary' as const },
  { name: 'replica1', declaredRole: 'replica' as const },
  { name: 'replica2', declaredRole: 'replica' as const },
];

// Recorded from PostgreSQL 15's pg_controldata (LC_ALL=C) on a freshly stopped initdb cluster;
// the e2e tests parse live output of the same binary.
export const PRIMARY_SHUT_DOWN = `pg_control version number:            1300
Catalog version number:               202209061
Database system identifier:           7713842336390555012
Database cluster state:               shut down
pg_control last modified:             Mon Nov 30 06:07:59 2026
Latest checkpoint location:           0/1500708
Latest checkpoint's REDO location:    0/1500708
Latest checkpoint's REDO WAL file:    000000010000000000000001
Latest checkpoint's TimeLineID:       1
Latest checkpoint's PrevTimeLineID:   1
Latest checkpoint's full_page_writes: on
Latest checkpoint's NextXID:          0:724
Latest checkpoint's oldestCommitTsXid:0
Time of latest checkpoint:            Mon Nov 30 06:07:59 2026
Fake LSN counter for unlogged rels:   0/3E8
Minimum recovery ending location:     0/0
Min recovery ending loc's timeline:   0
Backup start location:                0/0
End-of-backup record required:        no
wal_level setting:                    replica
wal_log_hints setting:                off
Bytes per WAL segment:                16777216
Data page checksum version:           0
Mock authentication nonce:            6f06851169a4b85360b2e05e00bd2b00d25496f799df34f51a08a78b6fd78122
`;

/** The same output with some values changed (label: value lines). */
export function variant(text: string, changes: Record<string, string>): string {
  return text.split('\n').map((line) => {
    const label = line.slice(0, line.indexOf(':'));
    const value = changes[label];
    return value === undefined ? line : `${label}:${' '.repeat(Math.max(1, 38 - label.length))}${value}`;
  }).join('\n');
}

