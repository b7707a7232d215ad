// Can a replica follow another primary as it is (per-host `pg-ha-init follow`)? Only if the
// target is a writable primary of the same cluster, on the replica's timeline or a later one, and
// the replica has no WAL the target never had: on the same timeline, nothing beyond the target's
// flush position; on an older one, nothing beyond the switchpoint where the target's history left
// the replica's timeline. Otherwise the replica needs pg_rewind: `pg-ha-init rejoin`.
import { formatLsn } from './lsn.js';
import { switchpointOf, type TimelineHistoryEntry } from './timeline-history.js';

export interface FollowNode {
  systemIdentifier: string;
  timeline: number;
  /** The furthest WAL it holds: received or replayed (running), or where its WAL ends (stopped). */
  position: bigint;
}

export interface FollowTarget {
  systemIdentifier: string;
  timeline: number;
  inRecovery: boolean;
  /** Its history of `timeline`. */
  history: readonly TimelineHistoryEntry[];
  flushLsn: bigint;
}

export type FollowCheck =
  | { ok: true; reason: string }
  /** 2: the target is wrong (nothing to do here); 1: this node cannot follow it without a rewind. */
  | { ok: false; exitCode: 1 | 2; message: string; fix: string };

export function checkFollow(node: FollowNode, target: FollowTarget, where: string): FollowCheck {
  if (target.systemIdentifier !== node.systemIdentifier) {
    return { ok: false, exitCode: 2, message: `${where} belongs to another cluster (system identifier ${target.systemIdentifier}, this node ${node.systemIdentifier})`, fix: 'give --primary-host/--primary-port of the node `pg-ha-init failover` promoted' };
  }
  if (target.inRecovery) {
    return { ok: false, exitCode: 2, message: `${where} is not a writable primary (it is in recovery, timeline ${target.timeline})`, fix: 'give --primary-host/--primary-port of the node `pg-ha-init failover` promoted' };
  }
  if (target.timeline < node.timeline) {
    return { ok: false, exitCode: 2, message: `${where} is on timeline ${target.timeline}, older than this node's ${node.timeline}: it is not the newest primary`, fix: 'give the primary that was promoted last (`pg-ha-init status` on its host shows its timeline)' };
  }
  const at = formatLsn(node.position);
  const rejoin = 'stop this node and run `pg-ha-init rejoin --primary-host …` in this bundle (it saves the extra WAL aside and rewinds)';
  if (target.timeline === node.timeline) {
    if (node.position > target.flushLsn) {
      return { ok: false, exitCode: 1, message: `this node has WAL up to ${at}, beyond ${where}'s ${formatLsn(target.flushLsn)} on the same timeline ${node.timeline}`, fix: rejoin };
    }
    return { ok: true, reason: `same timeline ${node.timeline}; this node is at ${at}, ${where} at ${formatLsn(target.flushLsn)}` };
  }
  const switchpoint = switchpointOf(target.history, node.timeline);
  if (switchpoint === null) {
    return { ok: false, exitCode: 1, message: `this node's timeline ${node.timeline} is not in ${where}'s history of timeline ${target.timeline}: another lineage`, fix: rejoin };
  }
  if (node.position > switchpoint) {
    return { ok: false, exitCode: 1, message: `this node received WAL up to ${at}, beyond ${where}'s switchpoint ${formatLsn(switchpoint)} from timeline ${node.timeline}: WAL ${where} never had`, fix: rejoin };
  }
  return { ok: true, reason: `this node is at ${at} on timeline ${node.timeline}, not beyond ${where}'s switchpoint ${formatLsn(switchpoint)} to timeline ${target.timeline}` };
}
