// `pg-ha-init switchover --to NODE`: a planned move of the primary role with no acknowledged
// commit lost (issue 10; repmgr's `standby switchover` checks, Patroni's order). The sequence and
// its reasons are in docs/day2-design.md; each step prints one line as it completes, and a failure
// says what was left in which state and what to run.
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CHECKPOINT_SQL, RECEIVED_LSN_SQL, decideRejoin, dropStaleSlotSql, ensureSlotSql, formatClusterTable, formatLsn, parseControlData,
  parseLsn, promoteSql, readNodeState, readTimelineHistory, switchoverPreflight, walEndFromWaldump,
  type CheckFailure, type ClusterView, type ControlData,
} from '../cluster/index.js';
import { UsageError } from '../errors.js';
import { psqlArgs } from '../cluster/transport.js';
import { CONTROLDATA_AND_WAL_END } from '../engine/node-ops.js';
import { rewriteBundle } from '../output/rewrite.js';
import { CONTAINER_PORT } from '../render/topology.js';
import { runSteps, StepAbort, type Step } from '../commands/steps.js';
import { openBundleCluster, type BundleCluster } from './bundle-cluster.js';

export interface SwitchoverOptions {
  dir: string;
  to: string;
  yes: boolean;
  dryRun: boolean;
  projectName?: string;
  env?: NodeJS.ProcessEnv;
  say: (line: string) => void;
  /** Asks the operator; undefined when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** How long the candidate may take to receive the old primary's shutdown checkpoint. */
  catchUpTimeoutMs?: number;
  /** How long every node may take to stream on the new timeline at the end. */
  verifyTimeoutMs?: number;
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

/** Preflight failures, one line each with the fix, as every day-2 command prints them. */
function printFailures(say: (l: string) => void, failures: readonly CheckFailure[]): void {
  say('Preflight failed; nothing was changed:');
  for (const f of failures) say(`  ✖ ${f.message}. Fix: ${f.fix}.`);
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

function controlAndEnd(stdout: string): { control: ControlData; walEnd: bigint | null } {
  const [control = '', dump = ''] = stdout.split('\n--- waldump\n');
  return { control: parseControlData(control), walEnd: walEndFromWaldump(dump) };
}

async function sqlOk(cluster: BundleCluster, node: string, sql: string): Promise<string> {
  const r = await cluster.runner.sql(node, sql);
  if (!r.ok) throw new Error(`${node}: ${r.stderr.trim().split('\n')[0] ?? 'psql failed'}`);
  return r.stdout.trim();
}

async function composeOk(what: string, run: Promise<{ ok: boolean; stderr: string; stdout: string }>): Promise<string> {
  const r = await run;
  if (!r.ok) throw new Error(`${what} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  return r.stdout;
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
  const by = (args: string[]): string => `cd ${options.dir} && ${cluster.ops.byHand(args)}`;
  say(`Preflight passed: ${old} is the primary (timeline ${view.timeline ?? '?'}); ${to} streams ${view.nodes.find((n) => n.name === to)?.lagBytes ?? '?'} bytes behind.`);
  if (options.dryRun) {
    say(`Dry run: would switch over from ${old} to ${to}: checkpoint and stop ${old}, wait until ${to} has its shutdown checkpoint, promote ${to}, create slots for ${[old, ...others].join(', ')}, rewrite the bundle (PRIMARY_SERVICE=${to}), repoint ${others.join(', ') || 'no other replica'}, bring ${old} back as a replica. Nothing was changed.`);
    return { exitCode: 0 };
  }
  if (!options.yes) {
    if (!options.confirm) throw new UsageError(`switchover stops ${old} and promotes ${to}; without a terminal to confirm, add --yes. Nothing was changed.`);
    if (!(await options.confirm(`Switch over from ${old} to ${to}? Writes stop for a few seconds.`))) {
      say('Nothing was changed.');
      return { exitCode: 1 };
    }
  }

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
  let history: Awaited<ReturnType<typeof readTimelineHistory>> = [];
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
        const promoted = await fastSql(toContainer.id, to, promoteSql(60));
        if (promoted !== 't') throw new Error(`pg_promote() on ${to} returned ${promoted}`);
        result.writeStopMs = performance.now() - stoppedAt;
        await sqlOk(cluster, to, CHECKPOINT_SQL);
        const probe = await readNodeState(cluster.runner, to);
        if (!probe.ok) throw new Error(`${to} does not answer after its promotion: ${probe.failure.detail}`);
        newTimeline = probe.state.timeline;
        history = await readTimelineHistory(cluster.runner, to, newTimeline);
        return `timeline ${control?.checkpointTimeline ?? '?'} -> ${newTimeline}; writes were stopped ${((result.writeStopMs ?? 0) / 1000).toFixed(1)} s`;
      },
    },
    {
      title: `slots on ${to} for ${[old, ...others].join(', ')}`, state: `${to} is the primary; ${old} is stopped; the bundle still names ${old} primary`,
      recover: `${cluster.ops.byHand(['exec', '-T', to, 'psql', '-U', cluster.config.postgresUser, '-c', `select pg_create_physical_replication_slot('${old}', true)`])}   # for each node`,
      run: async () => {
        for (const name of [old, ...others]) {
          const node = cluster.services.find((s) => s.name === name);
          await sqlOk(cluster, to, ensureSlotSql(node?.name ?? name));
        }
      },
    },
    {
      title: `rewrite the bundle: ${to} is the primary`, state: `${to} is the primary; ${old} is stopped; the bundle still names ${old} primary, so do not start ${old}`,
      recover: `set "PRIMARY_SERVICE": "${to}" in ${options.dir}/pg-ha-init.json, then: pg-ha-init --stack --out ${options.dir} --force  (with the same settings)`,
      run: async (ctx) => {
        const written = rewriteBundle(options.dir, { PRIMARY_SERVICE: to }).written;
        ctx.note(`wrote ${written.join(', ')}`);
      },
    },
    {
      title: `repoint ${others.length > 0 ? others.join(', ') : 'the other replicas (none)'}`,
      state: `${to} is the primary and the bundle says so; ${old} is stopped (its env file says replica)`,
      recover: others.map((o) => by(['restart', o])).join('\n') || 'nothing to do',
      run: async () => {
        for (const name of others) {
          // A stopped replica follows the new primary at its next start: its env file says so.
          if (!running.has(name)) continue;
          await composeOk(`restart ${name}`, cluster.ops.restart(name));
        }
      },
    },
    {
      title: `bring ${old} back as a replica of ${to}`,
      state: `${to} is the primary and the bundle says so; ${old} is stopped and fenced (its env file says replica of ${to})`,
      recover: `pg-ha-init rejoin ${old} --dir ${options.dir}`,
      run: async (ctx) => {
        const t0 = performance.now();
        const primaryState = await readNodeState(cluster.runner, to);
        if (!primaryState.ok || !control) throw new Error(`${to} does not answer`);
        const decision = decideRejoin({
          old: control,
          newPrimary: { systemIdentifier: primaryState.state.systemIdentifier, timeline: newTimeline, history, currentLsn: parseLsn(primaryState.state.currentLsn ?? '0/0') },
          checkpointEnd: waitFor,
        });
        ctx.note(decision.reason);
        if (decision.action === 'rewind') {
          const stamp = new Date().toISOString().replace(/[:.]/g, '-');
          if (decision.diverged) {
            const note = `pg-ha-init switchover: WAL of ${old} from ${decision.diverged.from} to ${decision.diverged.to} on timeline ${decision.diverged.timeline}, saved before pg_rewind discarded it`;
            await composeOk('saving the diverged WAL', cluster.ops.copyWalAside(old, decision.diverged.walFiles, stamp, note));
          }
          await sqlOk(cluster, to, CHECKPOINT_SQL);
          const conninfo = `host=${to} port=${CONTAINER_PORT} user=${cluster.config.postgresUser} dbname=postgres connect_timeout=10`;
          await composeOk(`pg_rewind of ${old}`, cluster.ops.rewind(old, conninfo, cluster.superuserPassword()));
        } else if (decision.action !== 'follow') {
          throw new Error(`${old} cannot follow ${to}: ${decision.reason}`);
        }
        await composeOk(`standby.signal in ${old}`, cluster.ops.writeStandbySignal(old));
        await composeOk(`start ${old}`, cluster.ops.start(old));
        result.oldPrimaryWayBack = decision.action;
        result.oldPrimaryBackMs = performance.now() - t0;
        return decision.action === 'follow' ? 'no rewind needed' : 'rewound with pg_rewind';
      },
    },
    {
      title: `verify: every node streams from ${to} on the new timeline`,
      state: `${to} is the primary and the bundle says so; some node does not stream yet`,
      recover: `pg-ha-init status --dir ${options.dir}; ${cluster.ops.byHand(['logs', old])}`,
      run: async () => {
        const deadline = performance.now() + (options.verifyTimeoutMs ?? 120_000);
        for (;;) {
          const now = await cluster.read();
          const lagging = now.nodes.filter((n) => !n.seenOnly && n.name !== to && (running.has(n.name) || n.name === old)
            && !(n.role === 'replica' && n.state === 'streaming' && n.timeline === newTimeline));
          if (now.primary === to && now.writable.length === 1 && lagging.length === 0) break;
          if (performance.now() > deadline) {
            throw new Error(`not streaming on timeline ${newTimeline}: ${lagging.map((n) => `${n.name} (${n.role}, ${n.state}, timeline ${n.timeline ?? '?'})`).join(', ') || `${to} is not the only writable node`}`);
          }
          await sleep(500);
        }
        // Slots a demoted node still holds pin WAL there; drop the stack's (inactive) ones.
        for (const name of cluster.services.map((s) => s.name).filter((n) => n !== to)) {
          for (const slot of cluster.services.map((s) => s.name)) await cluster.runner.sql(name, dropStaleSlotSql(slot));
        }
        return `timeline ${newTimeline}`;
      },
    },
  ];
  say(`Switching over from ${old} to ${to}:`);
  await runSteps(steps, { say });
  result.totalMs = performance.now() - started;
  say('');
  // Read through the rewritten bundle: it now declares the new roles.
  const after = await openBundleCluster({ dir: options.dir, projectName: options.projectName, env: options.env });
  say(formatClusterTable(await after.read()));
  say('');
  say(`Switched over to ${to} in ${((result.totalMs ?? 0) / 1000).toFixed(1)} s (writes stopped ${((result.writeStopMs ?? 0) / 1000).toFixed(1)} s; ${old} came back ${result.oldPrimaryWayBack === 'follow' ? 'without a rewind' : 'with pg_rewind'}).`);
  say('Connect to whichever node is the primary (the password is in secrets/postgres_password):');
  say(`  ${after.connectionString()}`);
  return result;
}
