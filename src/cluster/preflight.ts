// The checks that come before a move of the primary: the switchover preflight (repmgr's
// `standby switchover` checks) and the choice of a failover candidate (pg_auto_failover's rule:
// the replica that received the most WAL; a less advanced one only with --allow-data-loss).
// Each failure is named, says what is wrong and how to fix it; the command prints them and exits 2.
import { bytesNumber, formatLsn, lsnDiff, parseLsn } from './lsn.js';
import { rewindPossible } from './live-state.js';
import type { ClusterView, NodeRow } from './view.js';

export interface CheckFailure {
  check: 'one-primary' | 'candidate-known' | 'candidate-is-primary' | 'candidate-streaming' | 'candidate-lag'
    | 'candidate-timeline' | 'rewind-possible' | 'system-identifier' | 'primary-alive' | 'no-candidate'
    | 'candidate-down' | 'candidate-behind';
  message: string;
  fix: string;
}

/** Patroni's maximum_lag_on_failover is 1 MB; a switchover waits for the candidate anyway, so one segment. */
export const DEFAULT_SWITCHOVER_MAX_LAG_BYTES = 16 * 1024 * 1024;

const answering = (n: NodeRow): boolean => n.state !== 'stopped' && n.state !== 'unreachable';

function knownNode(view: ClusterView, name: string): NodeRow | undefined {
  return view.nodes.find((n) => n.name === name && !n.seenOnly);
}

function unknownNode(view: ClusterView, name: string): CheckFailure {
  const names = view.nodes.filter((n) => !n.seenOnly).map((n) => n.name).join(', ');
  return { check: 'candidate-known', message: `${name} is not a node of this bundle (nodes: ${names})`, fix: 'name one of the nodes listed by `pg-ha-init status`' };
}

/** Every reason not to switch over to `candidate` now; empty when it is safe. */
export function switchoverPreflight(view: ClusterView, candidate: string, options: { maxLagBytes?: number } = {}): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const maxLag = options.maxLagBytes ?? DEFAULT_SWITCHOVER_MAX_LAG_BYTES;
  if (view.writable.length !== 1) {
    failures.push(view.writable.length === 0
      ? { check: 'one-primary', message: 'no node accepts writes, so there is no primary to switch over from', fix: 'use `pg-ha-init failover` when the primary is gone' }
      : { check: 'one-primary', message: `${view.writable.length} nodes accept writes (${view.writable.join(', ')}): split brain`, fix: 'stop the former primary (the one on the older timeline), then `pg-ha-init rejoin` it' });
  }
  const row = knownNode(view, candidate);
  if (!row) return [...failures, unknownNode(view, candidate)];
  if (view.primary === candidate) {
    return [...failures, { check: 'candidate-is-primary', message: `${candidate} is already the primary`, fix: 'name a replica with --to' }];
  }
  if (row.state !== 'streaming') {
    failures.push({
      check: 'candidate-streaming', message: `${candidate} is ${row.role === 'primary' ? 'a writable node' : row.state}, not a streaming replica`,
      fix: `start ${candidate} and wait until \`pg-ha-init status\` shows it streaming`,
    });
  } else if (row.lagBytes === null || row.lagBytes > maxLag) {
    failures.push({
      check: 'candidate-lag', message: `${candidate} is ${row.lagBytes ?? 'an unknown number of'} bytes behind the primary (at most ${maxLag} allowed)`,
      fix: 'wait until it catches up (pg-ha-init status), or lower the write load',
    });
  }
  const primaryState = view.primary === null ? undefined : view.states.get(view.primary);
  const candidateState = view.states.get(candidate);
  if (primaryState && !rewindPossible(primaryState)) {
    failures.push({
      check: 'rewind-possible', message: `${view.primary} has neither data checksums nor wal_log_hints = on${primaryState.fullPageWrites ? '' : ' (and full_page_writes is off)'}: it could not be rewound to come back as a replica`,
      fix: `set wal_log_hints = on (regenerate the bundle with this version) and restart ${view.primary} before switching over`,
    });
  }
  if (primaryState && candidateState && primaryState.systemIdentifier !== candidateState.systemIdentifier) {
    failures.push({
      check: 'system-identifier', message: `${candidate}'s system identifier ${candidateState.systemIdentifier} is not the primary's ${primaryState.systemIdentifier}`,
      fix: `re-clone ${candidate} from the primary`,
    });
  }
  if (primaryState && candidateState?.inRecovery && row.timeline !== null && row.timeline !== primaryState.timeline) {
    failures.push({
      check: 'candidate-timeline', message: `${candidate} is on timeline ${row.timeline}, the primary on ${primaryState.timeline}`,
      fix: `rejoin ${candidate} to the primary first (pg-ha-init rejoin ${candidate})`,
    });
  }
  return failures;
}

export type FailoverChoice =
  | {
    ok: true;
    candidate: string;
    receivedLsn: string;
    /** The replica that received the most WAL (the candidate unless --to chose another). */
    mostAdvanced: string;
    /** How far the candidate is behind the most advanced replica: WAL that promotion discards. */
    behindBytes: number;
    /** What cannot be known before rejoin reads the old primary's WAL. */
    unknownLoss: string;
  }
  | { ok: false; failures: CheckFailure[] };

export interface FailoverOptions {
  to?: string;
  allowDataLoss?: boolean;
  /** The primary answers but must be abandoned; the command stops it first. */
  force?: boolean;
}

/**
 * Whom to promote when the primary is gone: the answering replica of the newest timeline with the
 * most WAL received. Received, not replayed: promotion replays what was received.
 */
export function chooseFailoverCandidate(view: ClusterView, options: FailoverOptions = {}): FailoverChoice {
  // A remote primary (per-host bundle) that a local replica still streams from is alive too.
  const alive = view.writable.length > 0 ? view.writable : view.primary !== null ? [view.primary] : [];
  if (alive.length > 0 && !options.force) {
    return { ok: false, failures: [{
      check: 'primary-alive', message: `${alive.join(', ')} answers as a writable primary`,
      fix: 'use `pg-ha-init switchover --to NODE` for a planned move, or --force to abandon a primary that answers (it is stopped first)',
    }] };
  }
  const candidates = view.nodes.flatMap((n) => {
    const s = view.states.get(n.name);
    const lsn = s?.receiveLsn ?? s?.replayLsn ?? null;
    if (n.seenOnly || !s || !s.inRecovery || !answering(n) || lsn === null) return [];
    if (view.systemIdentifier !== null && s.systemIdentifier !== view.systemIdentifier) return [];
    return [{ name: n.name, timeline: s.timeline, lsn: parseLsn(lsn) }];
  });
  candidates.sort((a, b) => b.timeline - a.timeline || (b.lsn > a.lsn ? 1 : b.lsn < a.lsn ? -1 : 0));
  const best = candidates[0];
  if (!best) {
    return { ok: false, failures: [{ check: 'no-candidate', message: 'no replica answers, so none can be promoted', fix: 'start a replica (its data is kept) and run failover again' }] };
  }
  let chosen = best;
  if (options.to !== undefined) {
    const row = knownNode(view, options.to);
    if (!row) return { ok: false, failures: [unknownNode(view, options.to)] };
    const found = candidates.find((c) => c.name === options.to);
    if (!found) {
      return { ok: false, failures: [{
        check: 'candidate-down', message: `${options.to} is ${row.role === 'replica' ? row.state : `${row.role} (${row.state})`}: it cannot be promoted`,
        fix: `start ${options.to} first, or leave out --to to promote ${best.name}`,
      }] };
    }
    chosen = found;
  }
  const behind = chosen.timeline < best.timeline ? null : lsnDiff(best.lsn, chosen.lsn);
  if (chosen !== best && (behind === null || behind > 0n) && !options.allowDataLoss) {
    return { ok: false, failures: [{
      check: 'candidate-behind',
      message: behind === null
        ? `${chosen.name} is on timeline ${chosen.timeline}, older than ${best.name}'s ${best.timeline}`
        : `${chosen.name} received ${bytesNumber(behind)} bytes less WAL than ${best.name} (${formatLsn(chosen.lsn)} < ${formatLsn(best.lsn)}): promoting it loses those commits`,
      fix: `leave out --to to promote ${best.name}, or add --allow-data-loss`,
    }] };
  }
  return {
    ok: true, candidate: chosen.name, receivedLsn: formatLsn(chosen.lsn), mostAdvanced: best.name,
    behindBytes: behind === null ? 0 : bytesNumber(behind),
    unknownLoss: `WAL the old primary wrote beyond ${formatLsn(chosen.lsn)} (what ${chosen.name} received) is unknown until \`pg-ha-init rejoin\` reads it`,
  };
}
