// The cluster as the operator needs to see it: every expected node with its live role and
// state, who is primary, and the warnings of `status` (issues 10 and 12). Pure: it takes what
// readNodeState returned for each node, so every rule is testable without a server.
import { lsnDiff, bytesNumber } from './lsn.js';
import { readNodeState, type NodeProbe, type NodeState, type ReplicationRow, type SlotState } from './live-state.js';
import { isSyncCandidate, parseSynchronousStandbyNames } from './sync-standbys.js';
import type { NodeRunner } from './transport.js';

export type Role = 'primary' | 'replica' | 'unknown';
export type NodeStatus = 'running' | 'streaming' | 'catching up' | 'stopped' | 'unreachable';

/** A node the bundle declares. */
export interface ExpectedNode {
  /** The member name (the compose service in a stack). */
  name: string;
  /** What the bundle says this node is (its env file); a live role that differs is a warning. */
  declaredRole?: 'primary' | 'replica';
  /** Its application_name in pg_stat_replication; defaults to name. */
  applicationName?: string;
  /** Its slot on the primary; defaults to applicationName. */
  slotName?: string;
}

export interface NodeRow {
  name: string;
  role: Role;
  state: NodeStatus;
  timeline: number | null;
  /** A primary: its current WAL position. A replica: what it has replayed. */
  lsn: string | null;
  /** A replica: WAL its primary's walsender has sent it. */
  sentLsn: string | null;
  /** A replica: WAL received (flushed) so far; what a failover candidate is judged by. */
  receivedLsn: string | null;
  /** Primary's current position minus the replica's replay position, from both nodes' own answers. */
  lagBytes: number | null;
  lagSeconds: number | null;
  syncState: string | null;
  /** The slot this replica streams through (or should), as the primary holds it. */
  slot: string | null;
  /** Whom a replica streams from (its WAL receiver's sender_host:port). */
  upstream: string | null;
  /** Why it did not answer. */
  detail: string | null;
  /** Listed by a primary's pg_stat_replication but not among the expected nodes (per-host bundles). */
  seenOnly: boolean;
}

export interface SlotRow {
  /** The node that holds the slot. */
  node: string;
  name: string;
  active: boolean;
  walStatus: string | null;
  restartLsn: string | null;
  retainedBytes: number | null;
  safeWalSize: number | null;
}

export interface Warning {
  code: 'role-mismatch' | 'no-primary' | 'several-primaries' | 'node-down' | 'not-streaming' | 'slot-lost'
    | 'slot-retains' | 'older-timeline' | 'sync-short' | 'system-identifier';
  node: string | null;
  message: string;
}

export type ExitCode = 0 | 1 | 3;

export interface ClusterView {
  /** The one writable node's name; for a remote primary (ViewOptions) its host:port as a replica sees it. */
  primary: string | null;
  /** Names of every node that accepts writes (more than one is split brain). */
  writable: string[];
  systemIdentifier: string | null;
  timeline: number | null;
  nodes: NodeRow[];
  slots: SlotRow[];
  warnings: Warning[];
  /** 0 healthy, 1 degraded (any warning), 3 no writable primary or more than one. */
  exitCode: ExitCode;
  /** The live state each node answered with, for the day-2 checks (preflight, failover choice). */
  states: ReadonlyMap<string, NodeState>;
}

/** Read every node at once (one round trip each), then build the view. */
export async function readCluster(runner: NodeRunner, expected: readonly ExpectedNode[], options: ViewOptions = {}): Promise<ClusterView> {
  const probes = await Promise.all(expected.map(async (n) => [n.name, await readNodeState(runner, n.name)] as const));
  return buildClusterView(expected, new Map(probes), options);
}

const appName = (n: ExpectedNode): string => n.applicationName ?? n.name;
const slotOf = (n: ExpectedNode): string => n.slotName ?? appName(n);
const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function mostCommon(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, c] of counts) if (best === null || c > (counts.get(best) ?? 0)) best = v;
  return best;
}

function nonNegative(bytes: bigint): number {
  return bytesNumber(bytes < 0n ? 0n : bytes);
}

export interface ViewOptions {
  /**
   * The primary is not among the expected nodes: a per-host replica bundle. A replica streaming
   * from it is then proof of a writable primary, which the view shows as seen from that replica.
   */
  remotePrimary?: boolean;
}

export function buildClusterView(expected: readonly ExpectedNode[], probes: ReadonlyMap<string, NodeProbe>, options: ViewOptions = {}): ClusterView {
  const states = new Map<string, NodeState>();
  for (const n of expected) {
    const p = probes.get(n.name);
    if (p?.ok) states.set(n.name, p.state);
  }
  const writable = expected.filter((n) => states.get(n.name)?.inRecovery === false).map((n) => n.name);
  const primary = writable.length === 1 ? writable[0] ?? null : null;
  const primaryState = primary === null ? undefined : states.get(primary);
  const systemIdentifier = primaryState?.systemIdentifier ?? mostCommon([...states.values()].map((s) => s.systemIdentifier));
  // The newest timeline a writable node is on: a replica below it follows a former primary.
  const writableTimelines = writable.map((w) => states.get(w)?.timeline ?? 0);
  const allTimelines = [...states.values()].map((s) => s.timeline);
  const refTimelines = writableTimelines.length > 0 ? writableTimelines : allTimelines;
  const timeline = refTimelines.length > 0 ? Math.max(...refTimelines) : null;

  /** The walsender that serves this application_name, on whichever node has one (writable first). */
  const senderFor = (name: string): { node: string; row: ReplicationRow } | null => {
    const order = [...writable, ...expected.map((n) => n.name).filter((n) => !writable.includes(n))];
    for (const holder of order) {
      const row = states.get(holder)?.replication.find((r) => sameName(r.applicationName, name));
      if (row) return { node: holder, row };
    }
    return null;
  };
  const slotsOfWritable: SlotRow[] = writable.flatMap((w) => (states.get(w)?.slots ?? []).map((s: SlotState) => ({ node: w, ...s })));
  const slotFor = (name: string, preferred: string | null): string | null =>
    slotsOfWritable.find((s) => preferred !== null && s.name === preferred)?.name
      ?? slotsOfWritable.find((s) => s.name === name)?.name
      ?? preferred;

  const nodes: NodeRow[] = expected.map((n) => {
    const probe = probes.get(n.name);
    const base = { name: n.name, timeline: null, lsn: null, sentLsn: null, receivedLsn: null, lagBytes: null, lagSeconds: null, syncState: null, upstream: null, detail: null, seenOnly: false };
    if (!probe || !probe.ok) {
      const failure = probe && !probe.ok ? probe.failure : { kind: 'unreachable' as const, detail: 'not read' };
      return { ...base, role: 'unknown', state: failure.kind, slot: slotFor(slotOf(n), null), detail: failure.detail };
    }
    const s = probe.state;
    if (!s.inRecovery) {
      return { ...base, role: 'primary', state: 'running', timeline: s.timeline, lsn: s.currentLsn, slot: null };
    }
    const sender = senderFor(appName(n));
    const upstreamState = sender ? states.get(sender.node) : primaryState;
    const streaming = s.receiver?.status === 'streaming';
    const state: NodeStatus = !streaming ? 'running' : sender?.row.state === 'catchup' ? 'catching up' : 'streaming';
    const reference = upstreamState?.currentLsn ?? upstreamState?.replayLsn ?? null;
    const position = s.replayLsn ?? s.receiveLsn;
    const lagBytes = reference !== null && position !== null ? nonNegative(lsnDiff(reference, position)) : null;
    // Time lag from the primary's walsender, which shows NULL once the standby has caught up and
    // the primary is idle (so NULL there reads 0). Without a walsender it is the age of the last
    // replayed commit, which keeps growing while replication is broken instead of reading 0
    // (repmgr #519); the byte lag beside it tells the two apart.
    const lagSeconds = lagBytes === 0 ? 0
      : sender && streaming ? sender.row.replayLagSeconds ?? 0
        : s.replayAgeSeconds;
    const upstream = s.receiver?.senderHost ? `${s.receiver.senderHost}${s.receiver.senderPort ? `:${s.receiver.senderPort}` : ''}` : null;
    return {
      ...base, role: 'replica', state, timeline: s.timeline, lsn: position, sentLsn: sender?.row.sentLsn ?? null, receivedLsn: s.receiveLsn,
      lagBytes, lagSeconds, syncState: sender?.row.syncState ?? null,
      slot: slotFor(slotOf(n), s.receiver?.slotName ?? null), upstream,
    };
  });

  // Walsenders nobody declared: replicas of a per-host bundle's primary living on other hosts.
  const known = new Set(expected.map((n) => appName(n).toLowerCase()));
  for (const w of writable) {
    const ws = states.get(w);
    for (const row of ws?.replication ?? []) {
      if (known.has(row.applicationName.toLowerCase()) || row.state === 'backup') continue;
      known.add(row.applicationName.toLowerCase());
      const lagBytes = ws?.currentLsn && row.replayLsn ? nonNegative(lsnDiff(ws.currentLsn, row.replayLsn)) : null;
      nodes.push({
        name: row.applicationName, role: 'replica', state: row.state === 'streaming' ? 'streaming' : row.state === 'catchup' ? 'catching up' : 'running',
        timeline: row.state === 'streaming' ? ws?.timeline ?? null : null, lsn: row.replayLsn, sentLsn: row.sentLsn, receivedLsn: row.flushLsn, lagBytes, lagSeconds: lagBytes === 0 ? 0 : row.replayLagSeconds,
        syncState: row.syncState, slot: slotFor(row.applicationName, null), upstream: w, detail: null, seenOnly: true,
      });
    }
  }

  // A per-host replica bundle: the primary lives elsewhere; what the local replicas stream from is it.
  let remote: string | null = null;
  if (options.remotePrimary && writable.length === 0) {
    const streamer = nodes.find((n) => n.role === 'replica' && (n.state === 'streaming' || n.state === 'catching up') && n.upstream !== null);
    if (streamer?.upstream) {
      remote = streamer.upstream;
      nodes.unshift({
        name: remote, role: 'primary', state: 'running', timeline: states.get(streamer.name)?.receiver?.receivedTimeline ?? null,
        lsn: null, sentLsn: null, receivedLsn: null, lagBytes: null, lagSeconds: null, syncState: null, slot: null, upstream: null,
        detail: `seen from ${streamer.name}`, seenOnly: true,
      });
    }
  }
  const primaryCount = remote === null ? writable.length : 1;
  const warnings = warningsFor({ expected, probes, states, writable, primaryCount, timeline, systemIdentifier, nodes, slots: slotsOfWritable });
  const exitCode: ExitCode = primaryCount !== 1 ? 3 : warnings.length > 0 ? 1 : 0;
  return { primary: primary ?? remote, writable, systemIdentifier, timeline, nodes, slots: slotsOfWritable, warnings, exitCode, states };
}

interface WarningInput {
  expected: readonly ExpectedNode[];
  probes: ReadonlyMap<string, NodeProbe>;
  states: ReadonlyMap<string, NodeState>;
  writable: readonly string[];
  /** Writable nodes, counting a remote primary seen streaming. */
  primaryCount: number;
  timeline: number | null;
  systemIdentifier: string | null;
  nodes: readonly NodeRow[];
  slots: readonly SlotRow[];
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MB`;

function warningsFor(v: WarningInput): Warning[] {
  const out: Warning[] = [];
  const row = (name: string): NodeRow | undefined => v.nodes.find((n) => n.name === name);

  for (const n of v.expected) {
    const r = row(n.name);
    if (n.declaredRole && r && r.role !== 'unknown' && r.role !== n.declaredRole) {
      out.push({ code: 'role-mismatch', node: n.name, message: `${n.name}: the bundle declares it ${n.declaredRole}, but it is live a ${r.role}` });
    }
  }
  if (v.primaryCount === 0) {
    out.push({ code: 'no-primary', node: null, message: 'no writable node: no primary accepts writes' });
  } else if (v.writable.length > 1) {
    const list = v.writable.map((w) => `${w} (timeline ${v.states.get(w)?.timeline ?? '?'})`).join(', ');
    out.push({ code: 'several-primaries', node: null, message: `${v.writable.length} writable nodes: ${list}; split brain, stop the one on the older timeline and rejoin it` });
  }
  for (const r of v.nodes) {
    if (r.seenOnly) continue;
    if (r.state === 'stopped' || r.state === 'unreachable') {
      out.push({ code: 'node-down', node: r.name, message: `${r.name} is ${r.state}: ${r.detail ?? ''}`.trimEnd() });
    } else if (r.role === 'replica' && r.state === 'running') {
      const receiver = v.states.get(r.name)?.receiver;
      out.push({ code: 'not-streaming', node: r.name, message: `${r.name} is a replica that is not streaming (WAL receiver: ${receiver?.status ?? 'none'})` });
    }
  }
  for (const s of v.slots) {
    const limit = v.states.get(s.node)?.maxSlotWalKeepSizeBytes ?? -1;
    if (s.walStatus === 'lost') {
      out.push({ code: 'slot-lost', node: s.node, message: `slot ${s.name} on ${s.node} is lost: the WAL its replica needs is gone; that replica must be re-cloned` });
    } else if (limit > 0 && s.retainedBytes !== null && s.retainedBytes > limit / 2) {
      out.push({ code: 'slot-retains', node: s.node, message: `slot ${s.name} on ${s.node} retains ${mb(s.retainedBytes)}, more than half of max_slot_wal_keep_size (${mb(limit)})` });
    }
  }
  if (v.timeline !== null) {
    for (const r of v.nodes) {
      if (r.role === 'replica' && r.timeline !== null && r.timeline < v.timeline) {
        out.push({ code: 'older-timeline', node: r.name, message: `${r.name} is a replica on timeline ${r.timeline}, older than the primary's ${v.timeline}: it follows a former primary` });
      }
    }
  }
  for (const w of v.writable) {
    const s = v.states.get(w);
    if (!s) continue;
    let rule;
    try {
      rule = parseSynchronousStandbyNames(s.synchronousStandbyNames);
    } catch {
      continue;
    }
    if (rule === null) continue;
    const streaming = s.replication.filter((r) => r.state === 'streaming' && isSyncCandidate(rule, r.applicationName));
    if (streaming.length < rule.count) {
      out.push({
        code: 'sync-short', node: w,
        message: `${w}: synchronous_standby_names = '${s.synchronousStandbyNames}' needs ${rule.count} synchronous replica${rule.count === 1 ? '' : 's'} streaming, ${streaming.length} ${streaming.length === 1 ? 'is' : 'are'}: commits wait (writes are blocked)`,
      });
    }
  }
  if (v.systemIdentifier !== null) {
    for (const [name, s] of v.states) {
      if (s.systemIdentifier !== v.systemIdentifier) {
        out.push({ code: 'system-identifier', node: name, message: `${name} has system identifier ${s.systemIdentifier}, not ${v.systemIdentifier}: it is not a copy of this cluster` });
      }
    }
  }
  return out;
}
