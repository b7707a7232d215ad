// pg_controldata's report of a (usually stopped) data directory: the only record of where a
// stopped node's WAL ends, and of whether pg_rewind can work on it. Run it with LC_ALL=C: its
// labels are translated otherwise. Labels are those of PostgreSQL 13 to 18.
import { parseLsn } from './lsn.js';

export type ClusterState =
  | 'starting up' | 'shut down' | 'shut down in recovery' | 'shutting down'
  | 'in crash recovery' | 'in archive recovery' | 'in production';

const STATES: readonly ClusterState[] = [
  'starting up', 'shut down', 'shut down in recovery', 'shutting down', 'in crash recovery', 'in archive recovery', 'in production',
];

export interface ControlData {
  systemIdentifier: string;
  state: ClusterState;
  latestCheckpoint: bigint;
  latestCheckpointRedo: bigint;
  checkpointTimeline: number;
  /** 0/0 on a node that was never a standby (or finished recovery). */
  minRecoveryEnd: bigint;
  minRecoveryEndTimeline: number;
  walLogHints: boolean;
  /** 0: no data checksums. */
  dataChecksumVersion: number;
  /** From the latest checkpoint; pg_rewind needs it on. */
  fullPageWrites: boolean;
  walSegmentBytes: number;
}

/** "label: value" pairs, split at the first colon (values such as times contain colons). */
function fields(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) map.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return map;
}

export function parseControlData(text: string): ControlData {
  const f = fields(text);
  const get = (label: string): string => {
    const v = f.get(label);
    if (v === undefined) {
      throw new Error(`pg_controldata output has no "${label}" line (was it run with LC_ALL=C?)`);
    }
    return v;
  };
  const int = (label: string): number => {
    const v = get(label);
    if (!/^\d+$/u.test(v)) throw new Error(`pg_controldata: "${label}" is not a number: ${v}`);
    return Number(v);
  };
  const onOff = (label: string): boolean => {
    const v = get(label);
    if (v !== 'on' && v !== 'off') throw new Error(`pg_controldata: "${label}" is neither on nor off: ${v}`);
    return v === 'on';
  };
  const state = get('Database cluster state');
  if (!(STATES as readonly string[]).includes(state)) throw new Error(`pg_controldata: unknown cluster state "${state}"`);
  const systemIdentifier = get('Database system identifier');
  if (!/^\d+$/u.test(systemIdentifier)) throw new Error(`pg_controldata: bad system identifier "${systemIdentifier}"`);
  return {
    systemIdentifier,
    state: state as ClusterState,
    latestCheckpoint: parseLsn(get('Latest checkpoint location')),
    latestCheckpointRedo: parseLsn(get("Latest checkpoint's REDO location")),
    checkpointTimeline: int("Latest checkpoint's TimeLineID"),
    minRecoveryEnd: parseLsn(get('Minimum recovery ending location')),
    minRecoveryEndTimeline: int("Min recovery ending loc's timeline"),
    walLogHints: onOff('wal_log_hints setting'),
    dataChecksumVersion: int('Data page checksum version'),
    fullPageWrites: onOff("Latest checkpoint's full_page_writes"),
    walSegmentBytes: int('Bytes per WAL segment'),
  };
}

/** pg_rewind's prerequisites as it reads them from the target's pg_control. */
export function controlAllowsRewind(c: ControlData): boolean {
  return (c.walLogHints || c.dataChecksumVersion > 0) && c.fullPageWrites;
}

/** Stopped cleanly: the last record is a shutdown checkpoint (or restartpoint), nothing after it. */
export function isCleanShutdown(c: ControlData): boolean {
  return c.state === 'shut down' || c.state === 'shut down in recovery';
}
