// `pg-ha-init failover`: an unplanned promotion, for when the primary is gone (issue 11). The old
// primary is fenced before anything is promoted: its container is stopped and removed and the
// bundle is rewritten, so any later start (compose up, start, restart policy) is a replica start,
// which the entrypoint refuses for a former primary until `pg-ha-init rejoin`. Then the replica
// that received the most WAL gets slots for every other node (the fenced one too) while still a
// standby, is promoted (a new timeline) and checkpointed, and the others are repointed. The order and the reasons are in docs/day2-design.md.
import { resolve } from 'node:path';
import { chooseFailoverCandidate, dropStaleSlotSql, ensureSlotSql, formatClusterTable } from '../cluster/index.js';
import { UsageError } from '../errors.js';
import { runSteps, type Step } from '../commands/steps.js';
import { openBundleCluster, type BundleCluster, type Day2Options } from './bundle-cluster.js';
import { failoverPerHost } from './failover-per-host.js';
import {
  byHand, composeOk, confirmed, printFailures, printFinish, promote, repointStep, rewriteStep, slotNameOf, sqlOk, waitAllStreaming,
} from './shared-steps.js';

/**
 * Slots on the candidate for the fenced old primary and the other replicas, made while it is still
 * a standby, so that its promotion keeps the timeline-1 WAL they will ask it for.
 *
 * The rewound old primary replays from the redo point of the last checkpoint both timelines
 * share; under a bulk load that is a spread checkpoint whose redo point is far before its record.
 * pg_rewind copies the source's WAL files and removes the target's others but those from that
 * record to the fork. The promotion requests a checkpoint at once, and that checkpoint (with ours
 * after it) removes the segments older than its own redo point, on the new timeline, less
 * wal_keep_size: the shared redo point's segments were then on no node ("requested WAL segment …
 * has already been removed", bench/rejoin-vs-reclone.ts, test/e2e-docker/rejoin-wal.test.ts). A physical slot reserves
 * from the server's latest redo point (ReplicationSlotReserveWal: GetRedoRecPtr()): on a standby
 * that is its last restartpoint, which is no later than any checkpoint it replayed, so no later
 * than the shared one. Made after pg_promote it would race the promotion's own checkpoint, whose
 * start moves that redo point onto the new timeline. The trade-off: the new primary keeps that WAL
 * until the node rejoins (up to max_slot_wal_keep_size); `status` lists the slot (Active: no).
 * A slot of those names already on the standby is stale (nothing streams from a standby here) and
 * is made afresh; one that someone streams from is kept.
 */
function reserveWalStep(cluster: BundleCluster, candidate: string, nodes: readonly string[], state: string): Step {
  const slots = nodes.map((n) => slotNameOf(cluster, n));
  return {
    title: `reserve WAL on ${candidate} for ${slots.join(', ')}: slots made before the promotion`, state,
    recover: [
      `${cluster.ops.byHand(['exec', '-T', candidate, 'psql', '-U', cluster.config.postgresUser, '-c', `select pg_create_physical_replication_slot('${slots[0] ?? 'NODE'}', true)`])}   # for each of ${slots.join(', ')}`,
      `then: ${cluster.ops.byHand(['exec', '-T', candidate, 'psql', '-U', cluster.config.postgresUser, '-c', 'select pg_promote()'])}`,
      `then: pg-ha-init status --dir ${cluster.dir}`,
    ].join('\n'),
    run: async () => {
      // One psql: this runs while no node takes writes.
      await sqlOk(cluster, candidate, [...slots.map(dropStaleSlotSql), ...slots.map(ensureSlotSql)].join(';\n'));
    },
  };
}

export interface FailoverOptions extends Day2Options {
  to?: string;
  allowDataLoss: boolean;
  /** The old primary answers but must be abandoned: it is stopped first. */
  force: boolean;
  /** Per-host bundles: the operator confirms the old primary's host is down or fenced. */
  oldPrimaryDown?: boolean;
  /** Per-host bundles, on a terminal: asks for the old primary's host to be typed. */
  typeHost?: (question: string) => Promise<string>;
}

export interface FailoverResult {
  exitCode: number;
  promoted?: string;
  oldPrimary?: string;
  /** From the start of the steps to the end of pg_promote: the new primary takes writes from here. */
  promotedAfterMs?: number;
  totalMs?: number;
}

export async function failover(given: FailoverOptions): Promise<FailoverResult> {
  const options = { ...given, dir: resolve(given.dir) };
  const { say } = options;
  const cluster = await openBundleCluster({ dir: options.dir, projectName: options.projectName, env: options.env });
  if (cluster.manifest.mode !== 'stack') return failoverPerHost(cluster, options);
  const view = await cluster.read();
  const choice = chooseFailoverCandidate(view, { ...(options.to !== undefined ? { to: options.to } : {}), allowDataLoss: options.allowDataLoss, force: options.force });
  if (!choice.ok) {
    printFailures(say, choice.failures);
    say('');
    say(formatClusterTable(view));
    return { exitCode: 2 };
  }
  const to = choice.candidate;
  // The node to fence: the live writable one (--force), else the one the bundle declares primary.
  const old = view.writable[0] ?? cluster.declaredPrimary;
  if (old === null || old === to) {
    printFailures(say, [{ check: 'one-primary', message: `the bundle declares ${old ?? 'no node'} primary`, fix: 'check `pg-ha-init status`; nothing to fail over from' }]);
    return { exitCode: 2 };
  }
  const others = cluster.services.map((s) => s.name).filter((n) => n !== old && n !== to);
  say(`Failover: ${old} is ${view.writable.includes(old) ? 'writable but abandoned (--force)' : 'gone'}; ${to} received WAL up to ${choice.receivedLsn}${choice.candidate === choice.mostAdvanced ? ' (the most of any replica)' : `, ${choice.behindBytes} bytes less than ${choice.mostAdvanced} (--allow-data-loss)`}.`);
  if (!(await confirmed(options, `failover fences ${old} and promotes ${to}`, `Fence ${old} and promote ${to}?`))) return { exitCode: 1 };

  const running = await cluster.ops.running();
  const result: FailoverResult = { exitCode: 0, promoted: to, oldPrimary: old };
  let newTimeline = 0;
  const started = performance.now();
  const steps: Step[] = [
    {
      title: `fence ${old}: stop and remove its container`, state: `${old} may be stopped; nothing else changed`,
      recover: byHand(cluster, ['rm', '-f', '-s', old]),
      run: async () => {
        // `rm -s` stops it first (SIGINT: a fast shutdown, for --force); a dead one is only removed.
        await composeOk(`remove ${old}'s container`, cluster.ops.rm(old));
      },
    },
    rewriteStep(cluster, to, `${old}'s container is removed; the bundle still names ${old} primary, so do not run compose up`),
    reserveWalStep(cluster, to, [old, ...others], `the bundle names ${to} primary; ${old} is fenced (removed, its env file says replica); ${to} is not promoted yet`),
    {
      title: `promote ${to}`, state: `the bundle names ${to} primary; ${old} is fenced (removed, its env file says replica); ${to} may be promoted`,
      recover: `${cluster.ops.byHand(['exec', '-T', to, 'psql', '-U', cluster.config.postgresUser, '-c', 'select pg_promote()'])}\nthen: pg-ha-init status --dir ${options.dir}`,
      run: async () => {
        newTimeline = await promote(cluster, to, () => { result.promotedAfterMs = performance.now() - started; });
        return `timeline ${newTimeline}, writable after ${((result.promotedAfterMs ?? 0) / 1000).toFixed(1)} s`;
      },
    },
    repointStep(cluster, others, running, `${to} is the primary and the bundle says so; ${old} is fenced`),
    {
      title: `verify: ${others.filter((o) => running.has(o)).join(', ') || 'no other replica'} stream${others.length === 1 ? 's' : ''} from ${to}`,
      state: `${to} is the primary and the bundle says so; ${old} is fenced; some replica does not stream yet`,
      recover: `pg-ha-init status --dir ${options.dir}   # a replica that had received more than ${to}: pg-ha-init rejoin NODE`,
      run: async () => {
        await waitAllStreaming(cluster, to, others.filter((o) => running.has(o)), newTimeline, options.verifyTimeoutMs);
        return `timeline ${newTimeline}`;
      },
    },
  ];
  say(`Failing over from ${old} to ${to}:`);
  await runSteps(steps, { say });
  result.totalMs = performance.now() - started;
  await printFinish({ dir: options.dir, projectName: options.projectName, env: options.env, say },
    `Failed over to ${to} in ${(result.totalMs / 1000).toFixed(1)} s (writable after ${((result.promotedAfterMs ?? 0) / 1000).toFixed(1)} s).`);
  say('');
  say(`What may be lost: ${choice.unknownLoss}.${choice.behindBytes > 0 ? ` ${to} also received ${choice.behindBytes} bytes less than ${choice.mostAdvanced}.` : ''}`);
  say(`${old} is fenced: its container is removed and its env file says replica of ${to}, so any start of it is refused until:`);
  say(`  pg-ha-init rejoin ${old} --dir ${options.dir}${options.projectName ? ` --project-name ${options.projectName}` : ''}`);
  say('rejoin saves its diverged WAL aside (never deleted) before it rewinds.');
  return result;
}
