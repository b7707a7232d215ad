// Has a demoted node diverged from the new primary? The test of the reference ("Has a demoted
// node diverged?", as Patroni's rewind check and repmgr's check_node_can_attach do it), on data
// the caller reads: the stopped node's pg_controldata and the new primary's timeline history.
import { controlAllowsRewind, isCleanShutdown, type ControlData } from './controldata.js';
import { formatLsn } from './lsn.js';
import { switchpointOf, walFilesBetween, type TimelineHistoryEntry } from './timeline-history.js';

export interface NewPrimaryFacts {
  systemIdentifier: string;
  /** The timeline it writes on now. */
  timeline: number;
  /** Its `N.history` for that timeline (empty on timeline 1). */
  history: readonly TimelineHistoryEntry[];
  /** Its current WAL position, when known: a node ahead of it on the same timeline cannot follow. */
  currentLsn?: bigint;
}

export type RejoinAction =
  /** Start it as a standby of the new primary as it is. */
  | 'follow'
  /** pg_rewind first, then start it as a standby. */
  | 'rewind'
  /** Neither works: only a fresh base backup (with --reclone) brings it back. */
  | 'reclone'
  /** Not this cluster: never touch it. */
  | 'refuse';

export interface RejoinDecision {
  action: RejoinAction;
  /** One sentence an operator can act on; it names the positions compared. */
  reason: string;
  /** The old node's last position: its shutdown checkpoint (as primary) or minimum recovery end (as standby). */
  position: bigint;
  positionTimeline: number;
  /** Where the old node's timeline ended in the new primary's history, when it is an ancestor. */
  switchpoint: bigint | null;
  /** For a rewind: the old node's WAL from the switchpoint on, which the rewind discards. Save it first. */
  diverged: { from: string; to: string; timeline: number; walFiles: string[] } | null;
}

export interface RejoinInput {
  old: ControlData;
  newPrimary: NewPrimaryFacts;
  /**
   * The end of the old primary's last checkpoint record (pg_waldump), when known. Without it the
   * rule is that a clean shutdown checkpoint is the last record: a switchpoint after its start is
   * a record boundary at or after its end.
   */
  checkpointEnd?: bigint;
}

export function decideRejoin(input: RejoinInput): RejoinDecision {
  const { old, newPrimary } = input;
  const asStandby = old.state === 'shut down in recovery' || old.state === 'in archive recovery';
  const usesRecoveryPoint = asStandby && old.minRecoveryEnd > 0n;
  const position = usesRecoveryPoint ? old.minRecoveryEnd : old.latestCheckpoint;
  const positionTimeline = usesRecoveryPoint && old.minRecoveryEndTimeline > 0 ? old.minRecoveryEndTimeline : old.checkpointTimeline;
  const what = usesRecoveryPoint ? 'minimum recovery ending location' : 'latest checkpoint';
  const at = `its ${what} ${formatLsn(position)} on timeline ${positionTimeline}`;
  const base = { position, positionTimeline, switchpoint: null, diverged: null };

  if (old.systemIdentifier !== newPrimary.systemIdentifier) {
    return { ...base, action: 'refuse', reason: `system identifier ${old.systemIdentifier} is not the primary's ${newPrimary.systemIdentifier}: this data directory belongs to another cluster` };
  }
  const rewindOr = (reason: string, switchpoint: bigint | null): RejoinDecision => {
    const from = switchpoint ?? position;
    const diverged = { from: formatLsn(from), to: formatLsn(position), timeline: positionTimeline, walFiles: walFilesBetween(positionTimeline, from, position, old.walSegmentBytes) };
    if (!controlAllowsRewind(old)) {
      return { ...base, switchpoint, diverged, action: 'reclone', reason: `${reason}; but pg_rewind cannot run: the node has neither data checksums nor wal_log_hints = on (or full_page_writes is off)` };
    }
    return { ...base, switchpoint, diverged, action: 'rewind', reason };
  };
  const clean = isCleanShutdown(old);
  const unclean = clean ? '' : ` (it was not shut down cleanly, state "${old.state}": its WAL may go further; pg_rewind recovers it first)`;

  if (positionTimeline === newPrimary.timeline) {
    if (newPrimary.currentLsn !== undefined && position > newPrimary.currentLsn) {
      return {
        ...base, action: 'reclone',
        reason: `${at} is ahead of the primary's ${formatLsn(newPrimary.currentLsn)} on the same timeline: a promotion without a timeline switch; pg_rewind cannot find the fork`,
      };
    }
    // A crashed primary on the primary's own timeline wrote on it without a promotion in between.
    if (old.state === 'in production') return rewindOr(`same timeline ${positionTimeline} as the primary${unclean}`, null);
    return { ...base, action: 'follow', reason: `${at} is on the primary's own timeline: it only has to catch up` };
  }
  if (positionTimeline > newPrimary.timeline) {
    return rewindOr(`${at} is newer than the primary's timeline ${newPrimary.timeline}: another lineage`, null);
  }
  const switchpoint = switchpointOf(newPrimary.history, positionTimeline);
  if (switchpoint === null) {
    return rewindOr(`timeline ${positionTimeline} is not in the primary's history of timeline ${newPrimary.timeline}: another lineage`, null);
  }
  const sp = formatLsn(switchpoint);
  if (!clean) {
    return position >= switchpoint
      ? rewindOr(`${at} is at or beyond the switchpoint ${sp}${unclean}`, switchpoint)
      : rewindOr(`${at} is before the switchpoint ${sp}, but it was not shut down cleanly (state "${old.state}"), so its WAL may go beyond it`, switchpoint);
  }
  if (usesRecoveryPoint) {
    // A standby only replayed: replay up to the switchpoint itself is still common history.
    return position <= switchpoint
      ? { ...base, switchpoint, action: 'follow', reason: `${at} is not beyond the switchpoint ${sp}: no rewind needed` }
      : rewindOr(`${at} is beyond the switchpoint ${sp}: it replayed WAL the new primary never had`, switchpoint);
  }
  if (position >= switchpoint) {
    return rewindOr(`${at} is at or beyond the switchpoint ${sp}: it wrote WAL the new primary never received`, switchpoint);
  }
  if (input.checkpointEnd !== undefined && input.checkpointEnd > switchpoint) {
    return rewindOr(`its checkpoint record ends at ${formatLsn(input.checkpointEnd)}, beyond the switchpoint ${sp}`, switchpoint);
  }
  const ends = input.checkpointEnd === undefined ? 'its shutdown checkpoint is its last record' : `its checkpoint record ends at ${formatLsn(input.checkpointEnd)}`;
  return { ...base, switchpoint, action: 'follow', reason: `${at} is before the switchpoint ${sp} and ${ends}: no rewind needed` };
}
