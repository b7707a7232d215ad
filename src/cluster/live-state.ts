// The live state of one node in one round trip: a single SQL statement that returns one JSON
// object (psql -At prints it on one line). It uses only functions and view columns that exist
// unchanged from PostgreSQL 13 to 18 (pg_stat_replication, pg_stat_wal_receiver's status,
// received_tli, sender_host/port and slot_name, pg_replication_slots' wal_status and
// safe_wal_size, which 13 added), so no branch on server_version_num is needed.
// Functions that raise an error on the wrong side of recovery (pg_current_wal_lsn,
// pg_walfile_name, pg_is_wal_replay_paused) sit inside CASE, which PostgreSQL evaluates lazily
// for volatile expressions. It needs a superuser (pg_control_*, the receiver's columns), which
// the local-socket connection of `docker compose exec` is.
import { parseLsn } from './lsn.js';
import { classifyFailure, type NodeFailure, type NodeRunner } from './transport.js';

export const NODE_STATE_SQL = `select json_build_object(
  'serverVersionNum', current_setting('server_version_num')::int,
  'inRecovery', pg_is_in_recovery(),
  'systemIdentifier', (select system_identifier::text from pg_control_system()),
  'checkpointTimeline', (select timeline_id from pg_control_checkpoint()),
  'minRecoveryEndTimeline', (select min_recovery_end_timeline from pg_control_recovery()),
  'insertTimeline', case when pg_is_in_recovery() then null
    else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end,
  'currentLsn', case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end,
  'receiveLsn', pg_last_wal_receive_lsn()::text,
  'replayLsn', pg_last_wal_replay_lsn()::text,
  'replayAgeSeconds', extract(epoch from now() - pg_last_xact_replay_timestamp())::float8,
  'replayPaused', case when pg_is_in_recovery() then pg_is_wal_replay_paused() end,
  'receiver', (select json_build_object(
      'status', status, 'receivedTimeline', received_tli, 'senderHost', sender_host,
      'senderPort', sender_port, 'slotName', slot_name,
      'lastMessageAgeSeconds', extract(epoch from now() - last_msg_receipt_time)::float8)
    from pg_stat_wal_receiver limit 1),
  'dataChecksums', current_setting('data_checksums') = 'on',
  'walLogHints', current_setting('wal_log_hints') = 'on',
  'fullPageWrites', current_setting('full_page_writes') = 'on',
  'maxSlotWalKeepSizeBytes', pg_size_bytes(current_setting('max_slot_wal_keep_size')),
  'synchronousStandbyNames', current_setting('synchronous_standby_names'),
  'replication', (select coalesce(json_agg(json_build_object(
      'applicationName', application_name, 'clientAddr', client_addr::text, 'state', state,
      'sentLsn', sent_lsn::text, 'writeLsn', write_lsn::text, 'flushLsn', flush_lsn::text,
      'replayLsn', replay_lsn::text,
      'writeLagSeconds', extract(epoch from write_lag)::float8,
      'flushLagSeconds', extract(epoch from flush_lag)::float8,
      'replayLagSeconds', extract(epoch from replay_lag)::float8,
      'syncState', sync_state) order by application_name), '[]'::json)
    from pg_stat_replication),
  'slots', (select coalesce(json_agg(json_build_object(
      'name', slot_name, 'type', slot_type, 'active', active, 'walStatus', wal_status,
      'restartLsn', restart_lsn::text,
      'retainedBytes', pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn()
        else pg_current_wal_lsn() end, restart_lsn)::bigint,
      'safeWalSize', safe_wal_size) order by slot_name), '[]'::json)
    from pg_replication_slots)
)`;

/** One walsender, as the primary's pg_stat_replication shows it. */
export interface ReplicationRow {
  applicationName: string;
  clientAddr: string | null;
  /** startup, catchup, streaming, backup, stopping. */
  state: string;
  sentLsn: string | null;
  writeLsn: string | null;
  flushLsn: string | null;
  replayLsn: string | null;
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  /** NULL once the standby has replayed everything and the primary is idle; read as 0 then. */
  replayLagSeconds: number | null;
  /** async, potential, sync, quorum. */
  syncState: string;
}

export interface SlotState {
  name: string;
  type: string;
  active: boolean;
  /** reserved, extended, unreserved, lost (null for a slot that never reserved WAL). */
  walStatus: string | null;
  restartLsn: string | null;
  /** WAL this slot keeps: current (or replayed) position minus restart_lsn. */
  retainedBytes: number | null;
  /** Bytes that can still be written before the slot is lost (null when unlimited). */
  safeWalSize: number | null;
}

export interface WalReceiverState {
  /** streaming, starting, waiting, restarting, stopping. */
  status: string;
  receivedTimeline: number | null;
  senderHost: string | null;
  senderPort: number | null;
  slotName: string | null;
  lastMessageAgeSeconds: number | null;
}

export interface NodeState {
  serverVersionNum: number;
  inRecovery: boolean;
  systemIdentifier: string;
  /**
   * The timeline the node is on. A primary: the one it inserts WAL on. A standby: the one its
   * WAL receiver last received, else the newer of its restartpoint's and its minimum-recovery
   * timeline (PostgreSQL exposes no replay timeline to SQL).
   */
  timeline: number;
  checkpointTimeline: number;
  currentLsn: string | null;
  receiveLsn: string | null;
  replayLsn: string | null;
  /** Seconds since the last replayed transaction committed on its primary (an idle primary makes it grow). */
  replayAgeSeconds: number | null;
  replayPaused: boolean | null;
  receiver: WalReceiverState | null;
  dataChecksums: boolean;
  walLogHints: boolean;
  fullPageWrites: boolean;
  /** -1: unlimited. */
  maxSlotWalKeepSizeBytes: number;
  synchronousStandbyNames: string;
  replication: ReplicationRow[];
  slots: SlotState[];
}

/** pg_rewind's own prerequisites on its target: checksums or wal_log_hints, and full_page_writes. */
export function rewindPossible(state: Pick<NodeState, 'dataChecksums' | 'walLogHints' | 'fullPageWrites'>): boolean {
  return (state.dataChecksums || state.walLogHints) && state.fullPageWrites;
}

/** A node's answer, or why there was none. */
export type NodeProbe = { ok: true; state: NodeState } | { ok: false; failure: NodeFailure };

export async function readNodeState(runner: NodeRunner, node: string): Promise<NodeProbe> {
  let result;
  try {
    result = await runner.sql(node, NODE_STATE_SQL);
  } catch (err) {
    return { ok: false, failure: { kind: 'unreachable', detail: (err as Error).message.split('\n')[0] ?? 'error' } };
  }
  if (!result.ok) return { ok: false, failure: classifyFailure(result) };
  try {
    return { ok: true, state: parseNodeState(result.stdout) };
  } catch (err) {
    // It answered, but not with the state: not something to read a role from.
    return { ok: false, failure: { kind: 'unreachable', detail: (err as Error).message } };
  }
}

// ---------------------------------------------------------------------------------- parsing

class Shape {
  constructor(readonly what: string, readonly obj: Record<string, unknown>) {}
  private field(key: string): unknown { return this.obj[key]; }
  private bad(key: string, want: string): never {
    throw new Error(`${this.what}: "${key}" should be ${want}, got ${JSON.stringify(this.field(key))}`);
  }
  str(key: string): string { const v = this.field(key); return typeof v === 'string' ? v : this.bad(key, 'a string'); }
  strOrNull(key: string): string | null { const v = this.field(key); return v === null || v === undefined ? null : this.str(key); }
  num(key: string): number { const v = this.field(key); return typeof v === 'number' && Number.isFinite(v) ? v : this.bad(key, 'a number'); }
  numOrNull(key: string): number | null { const v = this.field(key); return v === null || v === undefined ? null : this.num(key); }
  bool(key: string): boolean { const v = this.field(key); return typeof v === 'boolean' ? v : this.bad(key, 'true or false'); }
  boolOrNull(key: string): boolean | null { const v = this.field(key); return v === null || v === undefined ? null : this.bool(key); }
  lsnOrNull(key: string): string | null {
    const v = this.strOrNull(key);
    if (v !== null) parseLsn(v);
    return v;
  }
  list(key: string): Shape[] {
    const v = this.field(key);
    if (!Array.isArray(v)) return this.bad(key, 'a list');
    return v.map((item, i) => Shape.of(`${this.what}.${key}[${i}]`, item));
  }
  objOrNull(key: string): Shape | null {
    const v = this.field(key);
    return v === null || v === undefined ? null : Shape.of(`${this.what}.${key}`, v);
  }
  static of(what: string, v: unknown): Shape {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what}: expected a JSON object`);
    return new Shape(what, v as Record<string, unknown>);
  }
}

/** The node-state JSON (stdout of NODE_STATE_SQL), checked field by field. */
export function parseNodeState(stdout: string): NodeState {
  let json: unknown;
  try {
    json = JSON.parse(stdout.trim());
  } catch {
    throw new Error(`node state: psql did not print one JSON object: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const s = Shape.of('node state', json);
  const receiverShape = s.objOrNull('receiver');
  const receiver: WalReceiverState | null = receiverShape && {
    status: receiverShape.str('status'),
    receivedTimeline: receiverShape.numOrNull('receivedTimeline'),
    senderHost: receiverShape.strOrNull('senderHost'),
    senderPort: receiverShape.numOrNull('senderPort'),
    slotName: receiverShape.strOrNull('slotName'),
    lastMessageAgeSeconds: receiverShape.numOrNull('lastMessageAgeSeconds'),
  };
  const inRecovery = s.bool('inRecovery');
  const checkpointTimeline = s.num('checkpointTimeline');
  const insertTimeline = s.numOrNull('insertTimeline');
  const standbyTimeline = receiver?.receivedTimeline
    ?? Math.max(checkpointTimeline, s.numOrNull('minRecoveryEndTimeline') ?? 0);
  return {
    serverVersionNum: s.num('serverVersionNum'),
    inRecovery,
    systemIdentifier: s.str('systemIdentifier'),
    timeline: inRecovery ? standbyTimeline : insertTimeline ?? checkpointTimeline,
    checkpointTimeline,
    currentLsn: s.lsnOrNull('currentLsn'),
    receiveLsn: s.lsnOrNull('receiveLsn'),
    replayLsn: s.lsnOrNull('replayLsn'),
    replayAgeSeconds: s.numOrNull('replayAgeSeconds'),
    replayPaused: s.boolOrNull('replayPaused'),
    receiver,
    dataChecksums: s.bool('dataChecksums'),
    walLogHints: s.bool('walLogHints'),
    fullPageWrites: s.bool('fullPageWrites'),
    maxSlotWalKeepSizeBytes: s.num('maxSlotWalKeepSizeBytes'),
    synchronousStandbyNames: s.str('synchronousStandbyNames'),
    replication: s.list('replication').map((r) => ({
      applicationName: r.str('applicationName'),
      clientAddr: r.strOrNull('clientAddr'),
      state: r.str('state'),
      sentLsn: r.lsnOrNull('sentLsn'),
      writeLsn: r.lsnOrNull('writeLsn'),
      flushLsn: r.lsnOrNull('flushLsn'),
      replayLsn: r.lsnOrNull('replayLsn'),
      writeLagSeconds: r.numOrNull('writeLagSeconds'),
      flushLagSeconds: r.numOrNull('flushLagSeconds'),
      replayLagSeconds: r.numOrNull('replayLagSeconds'),
      syncState: r.str('syncState'),
    })),
    slots: s.list('slots').map((r) => ({
      name: r.str('name'),
      type: r.str('type'),
      active: r.bool('active'),
      walStatus: r.strOrNull('walStatus'),
      restartLsn: r.lsnOrNull('restartLsn'),
      retainedBytes: r.numOrNull('retainedBytes'),
      safeWalSize: r.numOrNull('safeWalSize'),
    })),
  };
}
