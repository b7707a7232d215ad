// The pieces `switchover`, `failover` and `rejoin` share: running SQL and compose operations that
// must succeed, the preflight printout, the steps after a promotion (slots, bundle rewrite,
// repointing), bringing a stopped former primary back as a replica (follow, or save the diverged
// WAL and pg_rewind), the final check that every node streams, and the closing table. Each is
// written once so the three commands do exactly the same thing at the same point.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CHECKPOINT_SQL, decideRejoin, dropStaleSlotSql, ensureSlotSql, formatClusterTable, formatLsn, parseControlData, parseLsn,
  promoteSql, readNodeState, readTimelineHistory, walEndFromWaldump, walFilesBetween,
  type CheckFailure, type ControlData, type NewPrimaryFacts, type RejoinDecision,
} from '../cluster/index.js';
import type { Captured } from '../engine/exec.js';
import { rewriteBundle } from '../output/rewrite.js';
import { CONTAINER_PORT } from '../render/topology.js';
import { rewindSourceConninfo } from './remote.js';
import type { Step } from '../commands/steps.js';
import { openBundleCluster, type BundleCluster, type OpenOptions } from './bundle-cluster.js';

/** Preflight failures, one line each with the fix, as every day-2 command prints them. */
export function printFailures(say: (l: string) => void, failures: readonly CheckFailure[]): void {
  say('Preflight failed; nothing was changed:');
  for (const f of failures) say(`  ✖ ${f.message}. Fix: ${f.fix}.`);
}

/** Splits NodeOps.controldataAndWalEnd's output: pg_controldata, and where the node's WAL ends. */
export function controlAndEnd(stdout: string): { control: ControlData; walEnd: bigint | null } {
  const [control = '', dump = ''] = stdout.split('\n--- waldump\n');
  return { control: parseControlData(control), walEnd: walEndFromWaldump(dump) };
}

export async function sqlOk(cluster: BundleCluster, node: string, sql: string): Promise<string> {
  const r = await cluster.runner.sql(node, sql);
  if (!r.ok) throw new Error(`${node}: ${r.stderr.trim().split('\n')[0] ?? 'psql failed'}`);
  return r.stdout.trim();
}

export async function composeOk(what: string, run: Promise<Captured>): Promise<string> {
  const r = await run;
  if (!r.ok) throw new Error(`${what} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  return r.stdout;
}

/** `cd DIR && <compose> ARGS`: a recovery command as the operator types it. */
export function byHand(cluster: BundleCluster, args: string[]): string {
  return `cd ${cluster.dir} && ${cluster.ops.byHand(args)}`;
}

/**
 * pg_promote() on `node` (a real promotion: a new timeline; through `runPromote` when the caller
 * has a faster way to the node), `onPromoted` as soon as it is writable, then CHECKPOINT before
 * anyone rewinds from it (repmgr #372). Returns the new timeline.
 */
export async function promote(
  cluster: BundleCluster, node: string, onPromoted: () => void,
  runPromote: (sql: string) => Promise<string> = (sql) => sqlOk(cluster, node, sql),
): Promise<number> {
  const promoted = await runPromote(promoteSql(60));
  if (promoted !== 't') throw new Error(`pg_promote() on ${node} returned ${promoted}`);
  onPromoted();
  await sqlOk(cluster, node, CHECKPOINT_SQL);
  const probe = await readNodeState(cluster.runner, node);
  if (!probe.ok) throw new Error(`${node} does not answer after its promotion: ${probe.failure.detail}`);
  return probe.state.timeline;
}

/** A slot on `primary` for each of `names` (slots are not replicated: every new primary needs them). */
/** The slot (and application_name) a stack service streams through: its REPLICA_NAME, else its name. */
export function slotNameOf(cluster: BundleCluster, service: string): string {
  return cluster.services.find((s) => s.name === service)?.replicaName ?? service;
}

export function slotsStep(cluster: BundleCluster, primary: string, names: readonly string[], state: string): Step {
  return {
    title: `slots on ${primary} for ${names.join(', ') || 'no node'}`, state,
    recover: `${cluster.ops.byHand(['exec', '-T', primary, 'psql', '-U', cluster.config.postgresUser, '-c', `select pg_create_physical_replication_slot('NODE', true)`])}   # for each node`,
    run: async () => {
      for (const name of names) await sqlOk(cluster, primary, ensureSlotSql(slotNameOf(cluster, name)));
    },
  };
}

/** Re-render the bundle with `primary` as PRIMARY_SERVICE: env files, compose.yaml's depends_on, manifest. */
export function rewriteStep(cluster: BundleCluster, primary: string, state: string): Step {
  return {
    title: `rewrite the bundle: ${primary} is the primary`, state,
    recover: `set "PRIMARY_SERVICE": "${primary}" in ${cluster.dir}/pg-ha-init.json, then: pg-ha-init --stack --out ${cluster.dir} --force  (with the same settings)`,
    run: async (ctx) => {
      const written = rewriteBundle(cluster.dir, { PRIMARY_SERVICE: primary }).written;
      ctx.note(`wrote ${written.join(', ') || 'nothing (already so)'}`);
    },
  };
}

/** Restart the running replicas in `names`: the entrypoint reads their rewritten env file and follows the new primary. */
export function repointStep(cluster: BundleCluster, names: readonly string[], running: ReadonlySet<string>, state: string): Step {
  return {
    title: `repoint ${names.length > 0 ? names.join(', ') : 'the other replicas (none)'}`, state,
    recover: names.map((o) => byHand(cluster, ['restart', o])).join('\n') || 'nothing to do',
    run: async () => {
      for (const name of names) {
        // A stopped replica follows the new primary at its next start: its env file says so.
        if (!running.has(name)) continue;
        await composeOk(`restart ${name}`, cluster.ops.restart(name));
      }
    },
  };
}

/**
 * The primary a node is brought back under, as bringBackAsReplica needs it: a service of the same
 * stack (stackPrimary), or a node on another host (a per-host bundle's rejoin --primary-host).
 */
export interface PrimaryAccess {
  /** Its system identifier, current timeline and position, and its timeline history. */
  facts(): Promise<NewPrimaryFacts>;
  checkpoint(): Promise<void>;
  /** pg_rewind's --source-server, without a password. */
  rewindSource: string;
  /** The superuser's password, for pg_rewind (only ever in the one-off container's environment). */
  superuserPassword(): string;
}

/** A primary that is a service of this bundle's stack: psql in its container, pg_rewind over the compose network. */
export function stackPrimary(cluster: BundleCluster, primary: string): PrimaryAccess {
  return {
    async facts() {
      const probe = await readNodeState(cluster.runner, primary);
      if (!probe.ok) throw new Error(`${primary} does not answer: ${probe.failure.detail}`);
      const timeline = probe.state.timeline;
      return {
        systemIdentifier: probe.state.systemIdentifier, timeline,
        history: await readTimelineHistory(cluster.runner, primary, timeline), currentLsn: parseLsn(probe.state.currentLsn ?? '0/0'),
      };
    },
    checkpoint: async () => { await sqlOk(cluster, primary, CHECKPOINT_SQL); },
    rewindSource: rewindSourceConninfo({ host: primary, port: CONTAINER_PORT }, cluster.config.postgresUser),
    superuserPassword: () => cluster.superuserPassword(),
  };
}

export interface BringBackInput {
  node: string;
  /** How messages name the primary (a service, or host:port). */
  primary: string;
  /** How to reach it; default: the stack service named `primary`. */
  access?: PrimaryAccess;
  /** The stopped node's pg_controldata, and where its WAL really ends (pg_waldump), when known. */
  control: ControlData;
  walEnd: bigint | null;
  /** Passed to decideRejoin: the end of the node's last checkpoint record, when known. */
  checkpointEnd?: bigint;
  /** Which command saves the diverged WAL (for the note beside it). */
  by: string;
  /** Starts the node once it can follow (start the container, or create it). */
  start: () => Promise<Captured>;
  /** On a failed pg_rewind: move PGDATA aside and let the entrypoint clone (rejoin --reclone). */
  reclone?: boolean;
  note?: (line: string) => void;
}

export interface BringBackResult {
  wayBack: 'follow' | 'rewind' | 'reclone';
  decision: RejoinDecision;
  /** Where the diverged WAL was saved, in the node's volume. */
  savedAside?: string;
  movedAside?: string;
}

/** Thrown when the data cannot be brought back without --reclone (nothing was deleted). */
export class NeedsReclone extends Error {}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/**
 * Decide whether the stopped `node` diverged from `primary` and bring it back as its replica:
 * follow (standby.signal, start), or save the diverged WAL aside, CHECKPOINT the primary, pg_rewind
 * as postgres in a one-off container (the superuser's password only in its environment), then
 * standby.signal and start. Data is never deleted: a failed rewind leaves PGDATA as pg_rewind did,
 * or (reclone) renamed aside for the entrypoint to clone afresh.
 */
export async function bringBackAsReplica(cluster: BundleCluster, input: BringBackInput): Promise<BringBackResult> {
  const { node, primary, control } = input;
  const access = input.access ?? stackPrimary(cluster, primary);
  const decision = decideRejoin({
    old: control,
    newPrimary: await access.facts(),
    ...(input.checkpointEnd !== undefined ? { checkpointEnd: input.checkpointEnd } : {}),
  });
  input.note?.(decision.reason);
  const result: BringBackResult = { wayBack: 'follow', decision };
  if (decision.action === 'refuse') throw new Error(`${node} cannot follow ${primary}: ${decision.reason}`);
  const recloneOr = async (why: string): Promise<BringBackResult> => {
    if (!input.reclone) throw new NeedsReclone(`${why}; ${node}'s data was left as it is. Run rejoin again with --reclone to move PGDATA aside (kept, never deleted) and clone ${primary}`);
    result.movedAside = (await composeOk(`moving ${node}'s PGDATA aside`, cluster.ops.movePgdataAside(node, stamp()))).trim();
    input.note?.(`PGDATA moved aside to ${result.movedAside}; the entrypoint clones ${primary}`);
    await composeOk(`start ${node}`, input.start());
    return { ...result, wayBack: 'reclone' };
  };
  if (decision.action === 'reclone') return recloneOr(decision.reason);
  if (decision.action === 'rewind') {
    // The node's last LSN: past its checkpoint when it crashed (pg_waldump found the WAL's end).
    const last = input.walEnd !== null && input.walEnd > decision.position ? input.walEnd : decision.position;
    const from = decision.switchpoint ?? decision.position;
    if (decision.diverged && last <= from) {
      input.note?.(`its WAL ends at ${formatLsn(last)}, not beyond the switchpoint ${formatLsn(from)}: nothing to save aside`);
    } else if (decision.diverged) {
      const files = walFilesBetween(decision.diverged.timeline, from, last, control.walSegmentBytes);
      const note = [
        `${input.by}: WAL of ${node} from ${formatLsn(from)} to ${formatLsn(last)} on timeline ${decision.diverged.timeline},`,
        `saved before pg_rewind discarded it (${primary} never received it). Inspect with:`,
        `pg_waldump -p <this directory> -t ${decision.diverged.timeline} -s ${formatLsn(from)}`,
        `Files: ${files.join(' ')}`,
      ].join('\n');
      result.savedAside = (await composeOk('saving the diverged WAL', cluster.ops.copyWalAside(node, files, stamp(), note))).trim();
      input.note?.(`diverged WAL ${formatLsn(from)} .. ${formatLsn(last)} saved in ${result.savedAside} (${files.length} file(s), README has the range)`);
    }
    // A freshly promoted primary must checkpoint first, or pg_rewind may read its old timeline (repmgr #372).
    await access.checkpoint();
    const rewindStarted = performance.now();
    const rewound = await cluster.ops.rewind(node, access.rewindSource, access.superuserPassword());
    // Where a rejoin's time goes: pg_rewind copies every WAL file the primary holds, besides the changed blocks.
    const copied = [...rewound.stderr.matchAll(/(\d+)\/\d+ kB \(\d+%\) copied/gu)].at(-1);
    input.note?.(`pg_rewind: ${((performance.now() - rewindStarted) / 1000).toFixed(1)} s${copied ? `, ${(Number(copied[1]) / 1024).toFixed(0)} MB copied` : ''}`);
    if (!rewound.ok) {
      // pg_rewind's own last lines, and what the server it ran for crash recovery said.
      const said = `${rewound.stderr}\n${rewound.stdout}`.split('\n').filter((l) => /FATAL|PANIC|ERROR|error:|detail:/u.test(l));
      return recloneOr(`pg_rewind of ${node} failed: ${said.slice(-4).join(' / ') || rewound.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    }
    result.wayBack = 'rewind';
  }
  await composeOk(`standby.signal in ${node}`, cluster.ops.writeStandbySignal(node));
  await composeOk(`start ${node}`, input.start());
  return result;
}

/**
 * Wait until `primary` is the one writable node and every node in `expect` streams on `timeline`;
 * then drop the stack's inactive slots on every other node (a demoted node's slots pin WAL there).
 */
export async function waitAllStreaming(cluster: BundleCluster, primary: string, expect: readonly string[], timeline: number, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const now = await cluster.read();
    const lagging = now.nodes.filter((n) => !n.seenOnly && n.name !== primary && expect.includes(n.name)
      && !(n.role === 'replica' && n.state === 'streaming' && n.timeline === timeline));
    if (now.primary === primary && now.writable.length === 1 && lagging.length === 0) break;
    if (performance.now() > deadline) {
      throw new Error(`not streaming on timeline ${timeline}: ${lagging.map((n) => `${n.name} (${n.role}, ${n.state}, timeline ${n.timeline ?? '?'})`).join(', ') || `${primary} is not the only writable node`}`);
    }
    await sleep(500);
  }
  const slotNames = cluster.services.map((s) => s.replicaName ?? s.name);
  for (const name of cluster.services.map((s) => s.name).filter((n) => n !== primary && expect.includes(n))) {
    for (const slot of slotNames) await cluster.runner.sql(name, dropStaleSlotSql(slot));
  }
}

/** The live table, read through the (rewritten) bundle, and the connection string that finds the primary. */
export async function printFinish(options: OpenOptions & { say: (l: string) => void }, summary: string): Promise<void> {
  const { say } = options;
  say('');
  const after = await openBundleCluster(options);
  say(formatClusterTable(await after.read()));
  say('');
  say(summary);
  // A per-host bundle has one node: the others' addresses are in their own bundles.
  if (after.manifest.mode !== 'stack') return;
  say('Connect to whichever node is the primary (the password is in secrets/postgres_password):');
  say(`  ${after.connectionString()}`);
}

/** --yes, or a question on a terminal; false (and "Nothing was changed.") when declined. */
export async function confirmed(
  options: { yes: boolean; confirm?: (q: string) => Promise<boolean>; say: (l: string) => void },
  what: string, question: string,
): Promise<boolean> {
  if (options.yes) return true;
  if (!options.confirm) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(`${what}; without a terminal to confirm, add --yes. Nothing was changed.`);
  }
  if (await options.confirm(question)) return true;
  options.say('Nothing was changed.');
  return false;
}
