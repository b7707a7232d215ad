// `pg-ha-init switchover --to NODE`: a planned move of the primary role with no acknowledged
// commit lost (issue 10; repmgr's `standby switchover` checks, Patroni's order). The sequence and
// its reasons are in docs/day2-design.md; each step prints one line as it completes, and a failure
// says what was left in which state and what to run.
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CHECKPOINT_SQL, RECEIVED_LSN_SQL, formatClusterTable, formatLsn, parseLsn, switchoverPreflight,
  type CheckFailure, type ClusterView, type ControlData,
} from '../cluster/index.js';
import { UsageError } from '../errors.js';
import { psqlArgs } from '../cluster/transport.js';
import { CONTROLDATA_AND_WAL_END } from '../engine/node-ops.js';
import { runSteps, StepAbort, type Step } from '../commands/steps.js';
import { openBundleCluster, type BundleCluster, type Day2Options } from './bundle-cluster.js';
import {
  bringBackAsReplica, byHand, promote, composeOk, confirmed, controlAndEnd, printFailures, printFinish, repointStep, rewriteStep, slotsStep, sqlOk, waitAllStreaming,
} from './shared-steps.js';

export interface SwitchoverOptions extends Day2Options {
  to: string;
  dryRun: boolean;
  /** How long the candidate may take to receive the old primary's shutdown checkpoint. */
  catchUpTimeoutMs?: number;
}

export interface SwitchoverResult {
  exitCode: number;
  /** How the old primary came back: follow (no rewind) or rewind. */
  oldPrimaryWayBack?: 'follow' | 'rewind';
  oldPrimaryBackMs?: number;
  totalMs?: number;
  /** From the stop of the old primary to the end of the promotion. */
  writeStopMs?: number;
}

/** The checks of switchoverPreflight, plus the bundle's own view: it must declare the live primary. */
export function preflightFailures(cluster: BundleCluster, view: ClusterView, to: string): CheckFailure[] {
  const failures = switchoverPreflight(view, to);
  if (view.writable.length === 1 && view.primary !== cluster.declaredPrimary && cluster.services.some((s) => s.name === view.primary)) {
    failures.push({
      check: 'one-primary',
      message: `the bundle declares ${cluster.declaredPrimary ?? 'no node'} primary, but ${view.primary} is the live primary`,
      fix: `bring the bundle in line first (PRIMARY_SERVICE=${view.primary} in pg-ha-init.json, then re-render), or check \`pg-ha-init status\``,
    });
  }
  return failures;
}

export async function switchover(given: SwitchoverOptions): Promise<SwitchoverResult> {
  const options = { ...given, dir: resolve(given.dir) };
  const { say, to } = options;
  const cluster = await openBundleCluster({ dir: options.dir, projectName: options.projectName, env: options.env });
  if (cluster.manifest.mode !== 'stack') {
    throw new UsageError(`${options.dir} is a per-host ${cluster.config.role} bundle; switchover moves the primary within a single-host stack bundle`);
  }
  const view = await cluster.read();
  const failures = preflightFailures(cluster, view, to);
  if (failures.length > 0) {
    printFailures(say, failures);
    say('');
    say(formatClusterTable(view));
    return { exitCode: 2 };
  }
  const old = view.primary as string;
  const others = cluster.services.map((s) => s.name).filter((n) => n !== old && n !== to);
  const by = (args: string[]): string => byHand(cluster, args);
  say(`Preflight passed: ${old} is the primary (timeline ${view.timeline ?? '?'}); ${to} streams ${view.nodes.find((n) => n.name === to)?.lagBytes ?? '?'} bytes behind.`);
  if (options.dryRun) {
    say(`Dry run: would switch over from ${old} to ${to}: checkpoint and stop ${old}, wait until ${to} has its shutdown checkpoint, promote ${to}, create slots for ${[old, ...others].join(', ')}, rewrite the bundle (PRIMARY_SERVICE=${to}), repoint ${others.join(', ') || 'no other replica'}, bring ${old} back as a replica. Nothing was changed.`);
    return { exitCode: 0 };
  }
  if (!(await confirmed(options, `switchover stops ${old} and promotes ${to}`, `Switch over from ${old} to ${to}? Writes stop for a few seconds.`))) return { exitCode: 1 };

  const running = await cluster.ops.running();
  // Container ids taken now: the window in which writes stop uses the engine's CLI on them directly.
  const oldContainer = await cluster.ops.container(old);
  const toContainer = await cluster.ops.container(to);
  if (!oldContainer || !toContainer) throw new UsageError(`no container for ${oldContainer ? to : old}; nothing was changed`);
  const pgdata = cluster.services.find((s) => s.name === old)?.dataPath.pgdata ?? '';
  const fastSql = async (id: string, name: string, sql: string): Promise<string> => {
    const r = await cluster.ops.execPsql(id, psqlArgs(sql, { user: cluster.config.postgresUser }));
    if (!r.ok) throw new Error(`${name}: ${r.stderr.trim().split('\n')[0] ?? 'psql failed'}`);
    return r.stdout.trim();
  };
  const result: SwitchoverResult = { exitCode: 0 };
  let control: ControlData | undefined;
  let waitFor = 0n;
  let stoppedAt = 0;
  let newTimeline = 0;
  const started = performance.now();
  const restartOld = by(['start', old]);
  const steps: Step[] = [
    {
      title: `checkpoint on ${old}`, state: 'nothing changed', recover: 'nothing to do',
      run: async () => { await fastSql(oldContainer.id, old, CHECKPOINT_SQL); },
    },
    {
      title: `stop ${old} (fast shutdown)`, state: `${old} may be stopped; nothing else changed`, recover: restartOld,
      run: async () => {
        stoppedAt = performance.now();
        await composeOk(`stop ${old}`, cluster.ops.stopContainer(oldContainer.id));
      },
    },
    {
      title: `read ${old}'s shutdown checkpoint`, state: `${old} is stopped; nothing else changed`, recover: restartOld,
      run: async () => {
        const read = controlAndEnd(await composeOk(`pg_controldata on ${old}`, cluster.ops.oneOffFrom(oldContainer.id, oldContainer.image, pgdata, CONTROLDATA_AND_WAL_END)));
        control = read.control;
        if (control.state !== 'shut down') {
          await cluster.ops.start(old);
          throw new StepAbort(`${old} stopped in state "${control.state}", not "shut down": its last WAL may not have reached ${to}; ${old} was started again as the primary`, `${old} restarted as the primary; nothing changed`, 'nothing to do; look at the logs of the stop, then run switchover again');
        }
        waitFor = read.walEnd !== null && read.walEnd > control.latestCheckpoint ? read.walEnd : control.latestCheckpoint + 1n;
        return `checkpoint ${formatLsn(control.latestCheckpoint)} on timeline ${control.checkpointTimeline}, WAL ends at ${formatLsn(waitFor)}`;
      },
    },
    {
      title: `wait until ${to} has received it`, state: `${old} is stopped; nothing else changed`, recover: restartOld,
      run: async () => {
        const deadline = performance.now() + (options.catchUpTimeoutMs ?? 30_000);
        let received = 'nothing';
        for (;;) {
          const r = await cluster.ops.execPsql(toContainer.id, psqlArgs(RECEIVED_LSN_SQL, { user: cluster.config.postgresUser }));
          received = r.ok ? r.stdout.trim() : received;
          if (r.ok && received !== '' && parseLsn(received) >= waitFor) return `received ${received}`;
          if (performance.now() > deadline) {
            const restarted = await cluster.ops.start(old);
            throw new StepAbort(
              `${to} received only up to ${received}, not ${formatLsn(waitFor)}, within ${Math.round((options.catchUpTimeoutMs ?? 30_000) / 1000)} s`,
              restarted.ok ? `${old} was started again as the primary, as it was; nothing else changed` : `${old} is stopped and could not be started again`,
              restarted.ok ? `nothing to do; see why ${to} lags (pg-ha-init status), then run switchover again` : restartOld,
            );
          }
          await sleep(100);
        }
      },
    },
    {
      title: `promote ${to}`, state: `${old} is stopped; ${to} may be promoted`,
      recover: `pg-ha-init status --dir ${options.dir}\nif ${to} is not writable: ${by(['start', old])}\nif it is: set "PRIMARY_SERVICE": "${to}" in ${options.dir}/pg-ha-init.json, re-render (pg-ha-init --stack --out ${options.dir} --force), then pg-ha-init rejoin ${old}`,
      run: async () => {
        // pg_promote over the container id taken before the window: no compose project load in it.
        newTimeline = await promote(cluster, to, () => { result.writeStopMs = performance.now() - stoppedAt; }, (sql) => fastSql(toContainer.id, to, sql));
        return `timeline ${control?.checkpointTimeline ?? '?'} -> ${newTimeline}; writes were stopped ${((result.writeStopMs ?? 0) / 1000).toFixed(1)} s`;
      },
    },
    slotsStep(cluster, to, [old, ...others], `${to} is the primary; ${old} is stopped; the bundle still names ${old} primary`),
    rewriteStep(cluster, to, `${to} is the primary; ${old} is stopped; the bundle still names ${old} primary, so do not start ${old}`),
    repointStep(cluster, others, running, `${to} is the primary and the bundle says so; ${old} is stopped (its env file says replica)`),
    {
      title: `bring ${old} back as a replica of ${to}`,
      state: `${to} is the primary and the bundle says so; ${old} is stopped and fenced (its env file says replica of ${to})`,
      recover: `pg-ha-init rejoin ${old} --dir ${options.dir}`,
      run: async (ctx) => {
        const t0 = performance.now();
        if (!control) throw new Error(`${old}'s shutdown checkpoint was not read`);
        const back = await bringBackAsReplica(cluster, {
          node: old, primary: to, control, walEnd: null, checkpointEnd: waitFor, by: 'pg-ha-init switchover',
          start: () => cluster.ops.start(old), note: (l) => ctx.note(l),
        });
        result.oldPrimaryWayBack = back.wayBack === 'follow' ? 'follow' : 'rewind';
        result.oldPrimaryBackMs = performance.now() - t0;
        return back.wayBack === 'follow' ? 'no rewind needed' : 'rewound with pg_rewind';
      },
    },
    {
      title: `verify: every node streams from ${to} on the new timeline`,
      state: `${to} is the primary and the bundle says so; some node does not stream yet`,
      recover: `pg-ha-init status --dir ${options.dir}; ${cluster.ops.byHand(['logs', old])}`,
      run: async () => {
        await waitAllStreaming(cluster, to, cluster.services.map((s) => s.name).filter((n) => running.has(n) || n === old), newTimeline, options.verifyTimeoutMs);
        return `timeline ${newTimeline}`;
      },
    },
  ];
  say(`Switching over from ${old} to ${to}:`);
  await runSteps(steps, { say });
  result.totalMs = performance.now() - started;
  await printFinish({ dir: options.dir, projectName: options.projectName, env: options.env, say },
    `Switched over to ${to} in ${((result.totalMs ?? 0) / 1000).toFixed(1)} s (writes stopped ${((result.writeStopMs ?? 0) / 1000).toFixed(1)} s; ${old} came back ${result.oldPrimaryWayBack === 'follow' ? 'without a rewind' : 'with pg_rewind'}).`);
  return result;
}
