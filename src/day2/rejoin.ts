// `pg-ha-init rejoin NODE`: bring a former primary (or a replica left on an old timeline) back as a
// replica of the current primary without a full copy (issue 11). The node must be stopped and be
// of the same cluster; whether it diverged is decided from the primary's timeline history and the
// node's pg_controldata (decideRejoin). Diverged WAL is saved aside before pg_rewind; a failed
// rewind re-clones only with --reclone, moving PGDATA aside. Nothing is ever deleted.
import { resolve } from 'node:path';
import { formatClusterTable } from '../cluster/index.js';
import { UsageError } from '../errors.js';
import { runSteps, StepAbort, type Step } from '../commands/steps.js';
import { openBundleCluster, type BundleCluster, type Day2Options } from './bundle-cluster.js';
import { rejoinPerHost } from './rejoin-per-host.js';
import type { HostPort } from './remote.js';
import {
  bringBackAsReplica, byHand, composeOk, confirmed, controlAndEnd, NeedsReclone, printFailures, printFinish, waitAllStreaming,
  type BringBackResult, type PrimaryAccess,
} from './shared-steps.js';
import type { ControlData } from '../cluster/index.js';

export interface RejoinOptions extends Day2Options {
  /** The stack's node to bring back; optional in a per-host bundle (it has one). */
  node?: string;
  reclone: boolean;
  /** Per-host bundles: the current primary, as this host reaches it (--primary-host/--primary-port). */
  primary?: HostPort;
  /** Per-host bundles: this node's slot and application_name on that primary (--replica-name). */
  replicaName?: string;
}

export interface RejoinResult {
  exitCode: number;
  wayBack?: BringBackResult['wayBack'];
  savedAside?: string;
  totalMs?: number;
}

/** The line a standby logs when the WAL it asks for is gone from its source (walsender or its own pg_wal). */
const WAL_GONE = /requested WAL segment \S+ has already been removed|could not find (?:the )?(?:required )?(?:WAL|checkpoint)[^\n]*|could not locate (?:a valid|required) checkpoint record[^\n]*/u;

/**
 * Wait until `node` streams (`waitStreams` returns), or until its log since `since` (an ISO time;
 * the container may be an old one with older lines) says the WAL it must replay is gone (that
 * line): a standby retries for ever, so waiting the full timeout would only delay the one fix, a
 * clone. Checked between short waits.
 */
async function streamsOrWalGone(cluster: BundleCluster, node: string, waitStreams: (timeoutMs: number) => Promise<void>, timeoutMs: number, since: string): Promise<string | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await waitStreams(Math.min(15_000, Math.max(1, deadline - performance.now())));
      return null;
    } catch (error) {
      // -t: each line carries the engine's RFC 3339 time, which sorts as text against `since`.
      const logs = await cluster.ops.compose(['logs', '--no-color', '-t', '--tail', '200', node]);
      const recent = logs.stdout.split('\n').filter((l) => (/\d{4}-\d\d-\d\dT[\d:.]+Z/u.exec(l)?.[0] ?? '') >= since);
      const gone = recent.map((l) => WAL_GONE.exec(l)?.[0]).find((m) => m !== undefined);
      if (gone !== undefined) return gone;
      if (performance.now() >= deadline) throw error;
    }
  }
}

export async function rejoin(given: RejoinOptions): Promise<RejoinResult> {
  const options = { ...given, dir: resolve(given.dir) };
  const { say } = options;
  const cluster = await openBundleCluster({
    dir: options.dir, projectName: options.projectName, env: options.env,
    precheck: ({ manifest }) => {
      if (manifest.mode !== 'stack') {
        if (options.primary === undefined) throw new UsageError(`${options.dir} is a per-host bundle: give the current primary, as this host reaches it: pg-ha-init rejoin --primary-host HOST [--primary-port PORT]`);
        return;
      }
      if (options.primary !== undefined || options.replicaName !== undefined) {
        throw new UsageError(`${options.dir} is a single-host stack bundle: --primary-host, --primary-port and --replica-name are for per-host bundles; name the node instead: pg-ha-init rejoin NODE`);
      }
      if (options.node === undefined) throw new UsageError('rejoin needs NODE in a stack bundle: the stopped node (compose service) to bring back as a replica.');
    },
  });
  if (cluster.manifest.mode !== 'stack') return rejoinPerHost(cluster, { ...options, primary: options.primary as HostPort });
  const node = options.node as string;
  if (!cluster.services.some((s) => s.name === node)) {
    printFailures(say, [{ check: 'candidate-known', message: `${node} is not a node of this bundle (nodes: ${cluster.services.map((s) => s.name).join(', ')})`, fix: 'name one of the nodes listed by `pg-ha-init status`' }]);
    return { exitCode: 2 };
  }
  const view = await cluster.read();
  const primary = view.primary;
  const row = view.nodes.find((n) => n.name === node && !n.seenOnly);
  const failures = [];
  if (primary === null) {
    failures.push({ check: 'one-primary' as const, message: view.writable.length === 0 ? 'no node accepts writes: there is no primary to rejoin' : `${view.writable.length} nodes accept writes (${view.writable.join(', ')})`, fix: view.writable.length === 0 ? 'run `pg-ha-init failover` first' : 'stop the former primary (the one on the older timeline), then rejoin it' });
  } else if (primary === node) {
    failures.push({ check: 'candidate-is-primary' as const, message: `${node} is the current primary`, fix: 'rejoin brings a former primary back as a replica; name a stopped node' });
  } else if (primary !== cluster.declaredPrimary) {
    failures.push({ check: 'one-primary' as const, message: `the bundle declares ${cluster.declaredPrimary ?? 'no node'} primary, but ${primary} is the live primary`, fix: `run \`pg-ha-init failover\` (it rewrites the bundle), or set PRIMARY_SERVICE=${primary} in pg-ha-init.json and re-render` });
  }
  if (row && row.state !== 'stopped' && row.state !== 'unreachable' && primary !== node) {
    failures.push({ check: 'candidate-streaming' as const, message: `${node} is running (${row.role}, ${row.state})`, fix: `stop it first (${cluster.ops.byHand(['stop', node])}); a streaming replica needs no rejoin` });
  }
  if (failures.length > 0) {
    printFailures(say, failures);
    say('');
    say(formatClusterTable(view));
    return { exitCode: 2 };
  }
  const to = primary as string;
  // A refused start leaves a container restarting (restart: unless-stopped); stop it so its files
  // hold still, then read them. Stopping a container that is not running changes nothing.
  await composeOk(`stop ${node}`, cluster.ops.stop(node));
  const readOut = await composeOk(`pg_controldata on ${node}`, cluster.ops.controldataAndWalEnd(node));
  const read = controlAndEnd(readOut);
  // Without it the diverged range ends at the checkpoint: say what pg_waldump said instead.
  if (read.walEnd === null) say(`${node}: pg_waldump did not say where its WAL ends: ${readOut.split('\n--- waldump\n')[1]?.trim().split('\n').join(' / ') || 'no output'}`);
  const primaryState = view.states.get(to);
  const timeline = primaryState?.timeline ?? 0;
  if (primaryState && read.control.systemIdentifier !== primaryState.systemIdentifier) {
    printFailures(say, [{
      check: 'system-identifier', message: `${node}'s system identifier ${read.control.systemIdentifier} is not ${to}'s ${primaryState.systemIdentifier}: its data belongs to another cluster`,
      fix: `if ${node}'s data is not needed, move it aside and start ${node}: it clones ${to}`,
    }]);
    return { exitCode: 2 };
  }
  say(`${node}: state "${read.control.state}", latest checkpoint on timeline ${read.control.checkpointTimeline}; ${to} is the primary on timeline ${timeline}.`);
  if (!(await confirmed(options, `rejoin makes ${node} a replica of ${to} (rewinding it if it diverged)`, `Rejoin ${node} as a replica of ${to}?`))) return { exitCode: 1 };

  return runRejoin(cluster, options, {
    node, primary: to, control: read.control, walEnd: read.walEnd, again: `pg-ha-init rejoin ${node} --dir ${options.dir}`,
    waitStreams: (timeoutMs) => waitAllStreaming(cluster, to, [node], timeline, timeoutMs),
    streaming: `timeline ${timeline}; its stale slots dropped`,
  });
}

export interface RejoinRun {
  node: string;
  /** How messages name the primary; `access` reaches it (default: the stack's service of that name). */
  primary: string;
  access?: PrimaryAccess;
  control: ControlData;
  walEnd: bigint | null;
  /** The rejoin command line to run again (without --reclone). */
  again: string;
  /** Steps before the node is brought back (a per-host bundle's rewrite). */
  before?: Step[];
  /** Waits until the node streams (and its stale slots are dropped), at most timeoutMs. */
  waitStreams: (timeoutMs: number) => Promise<void>;
  /** The verify step's detail once it streams. */
  streaming: string;
}

/**
 * The steps every rejoin runs once its checks passed (stack or per host): bring the stopped node
 * back (bringBackAsReplica: follow, or save the diverged WAL aside and pg_rewind), verify that it
 * streams, then print the table and where the diverged WAL was kept.
 */
export async function runRejoin(cluster: BundleCluster, options: RejoinOptions & { dir: string }, run: RejoinRun): Promise<RejoinResult> {
  const { say } = options;
  const { node, primary } = run;
  const result: RejoinResult = { exitCode: 0 };
  const started = performance.now();
  const since = new Date().toISOString();
  const steps: Step[] = [
    ...(run.before ?? []),
    {
      title: `bring ${node} back as a replica of ${primary}`,
      state: `${node} is stopped; its data is as it was unless a note above says otherwise`,
      recover: `${run.again} --reclone   # moves PGDATA aside (kept) and clones`,
      run: async (ctx) => {
        try {
          const back = await bringBackAsReplica(cluster, {
            node, primary, ...(run.access !== undefined ? { access: run.access } : {}),
            control: run.control, walEnd: run.walEnd, ...(run.walEnd !== null ? { checkpointEnd: run.walEnd } : {}), by: 'pg-ha-init rejoin', reclone: options.reclone,
            start: () => cluster.ops.upNoDeps(node), note: (l) => ctx.note(l),
          });
          result.wayBack = back.wayBack;
          if (back.savedAside !== undefined) result.savedAside = back.savedAside;
          return back.wayBack === 'follow' ? 'no rewind needed' : back.wayBack === 'rewind' ? 'rewound with pg_rewind' : 're-cloning (old PGDATA kept aside)';
        } catch (error) {
          if (error instanceof NeedsReclone) throw new StepAbort(error.message, `${node} is stopped; its data is as pg_rewind left it (nothing deleted)`);
          throw error;
        }
      },
    },
    {
      title: `verify: ${node} streams from ${primary}`, state: `${node} was started as a replica of ${primary}; it does not stream yet`,
      recover: `pg-ha-init status --dir ${options.dir}; ${byHand(cluster, ['logs', node])}`,
      run: async (ctx) => {
        const timeoutMs = options.verifyTimeoutMs ?? (result.wayBack === 'reclone' ? 3_600_000 : 120_000);
        const gone = await streamsOrWalGone(cluster, node, run.waitStreams, timeoutMs, since);
        if (gone === null) return run.streaming;
        // Rewound (or followed) but the WAL it must replay from is on no node: only a clone helps.
        const why = `${node} started, but the WAL it must replay is on neither node (${gone})`;
        // Stopped either way: it would only retry, and a rejoin takes a stopped node.
        await composeOk(`stop ${node}`, cluster.ops.stop(node));
        if (!options.reclone) {
          throw new StepAbort(`${why}; ${node} was stopped, its data left as it is (nothing deleted)`,
            `${node} is stopped; its data is as the rewind left it`,
            `${run.again} --reclone   # moves PGDATA aside (kept, never deleted) and clones ${primary}`);
        }
        const aside = (await composeOk(`moving ${node}'s PGDATA aside`, cluster.ops.movePgdataAside(node, new Date().toISOString().replace(/[:.]/g, '-')))).trim();
        ctx.note(`${why}: PGDATA moved aside to ${aside} (--reclone); the entrypoint clones ${primary}`);
        result.wayBack = 'reclone';
        await composeOk(`start ${node}`, cluster.ops.upNoDeps(node));
        await run.waitStreams(options.verifyTimeoutMs ?? 3_600_000);
        return `re-cloned; ${run.streaming}`;
      },
    },
  ];
  say(`Rejoining ${node} as a replica of ${primary}:`);
  await runSteps(steps, { say });
  result.totalMs = performance.now() - started;
  await printFinish({ dir: options.dir, projectName: options.projectName, env: options.env, say },
    `${node} rejoined ${primary} in ${(result.totalMs / 1000).toFixed(1)} s (${result.wayBack === 'follow' ? 'no rewind needed' : result.wayBack === 'rewind' ? 'with pg_rewind' : 're-cloned'}).`);
  if (result.savedAside) say(`Its diverged WAL (writes ${primary} never received) is kept in ${result.savedAside} in ${node}'s volume; its README says the range.`);
  return result;
}
