// Asking a running bundle's PostgreSQL: one query through `<engine> exec` (runSql), replication
// as it is now (queryReplication, for `status`), and, after `up`, waiting until it really flows
// (awaitReplication). Over the container's local socket, so no password is involved. Healthy containers are not enough: a replica can be
// healthy for a moment before its walsender shows up on the primary.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/model.js';
import { nodeServiceName, services } from '../render/topology.js';
import { commandLine, type Engine } from './engine.js';
import { LaunchError } from '../errors.js';
import { capture } from './exec.js';

export interface ReplicaState { name: string; state: string }

export interface StatusOptions extends ExecOptions {
  say: (line: string) => void;
  /** How long every expected replica may take to stream. */
  timeoutMs?: number;
  pollMs?: number;
}

interface Probe {
  service: string;
  sql: string;
  /** application_names that must stream; empty for a primary whose replicas live on other hosts. */
  expected: string[];
}

const NOT_CONNECTED = 'not connected';

function probeFor(config: Config): Probe {
  if (config.mode === 'node' && config.role === 'replica') {
    // replicaName is [a-z0-9_]+ (the model's rule), so it is safe inside a SQL literal.
    return { service: nodeServiceName(config), sql: `select '${config.replicaName}', status from pg_stat_wal_receiver`, expected: [config.replicaName] };
  }
  const expected = services(config).flatMap((s) => (s.replicaName === undefined ? [] : [s.replicaName]));
  return { service: services(config).find((s) => s.role === 'primary')?.name ?? 'primary', sql: 'select application_name, state from pg_stat_replication order by 1', expected };
}

export interface ExecOptions {
  /** The bundle's directory: compose finds its project there. */
  outDir: string;
  env?: NodeJS.ProcessEnv;
}

/** psql's answer: the rows (columns split on "|"), or what went wrong. */
export type SqlAnswer = { ok: true; rows: string[][] } | { ok: false; error: string };

/**
 * One query through `<engine> exec -T <service> psql`, over the container's local socket, so no
 * password is involved. Never throws on a failed query: the answer says why.
 */
export async function runSql(engine: Engine, service: string, user: string, sql: string, options: ExecOptions): Promise<SqlAnswer> {
  const [command, ...prefix] = engine.compose;
  const result = await capture(command, [...prefix, 'exec', '-T', service, 'psql', '-U', user, '-d', 'postgres', '-Atc', sql], { cwd: options.outDir, env: options.env });
  if (!result.ok) return { ok: false, error: result.stderr.trim() || 'psql failed' };
  return { ok: true, rows: result.stdout.split('\n').filter(Boolean).map((row) => row.split('|')) };
}

/**
 * Replication as it is right now, asked once: pg_stat_replication on the primary (one row per
 * replica it expects, missing ones "not connected", then any other that streams), or
 * pg_stat_wal_receiver on a lone replica node. `status` uses it as is; launch polls it.
 */
export async function queryReplication(engine: Engine, config: Config, options: ExecOptions): Promise<{ rows: ReplicaState[]; error?: string }> {
  const probe = probeFor(config);
  const answer = await runSql(engine, probe.service, config.postgresUser, probe.sql, options);
  const found = answer.ok ? answer.rows.map(([name = '', state = '']) => ({ name, state: state || NOT_CONNECTED })) : [];
  return { rows: rowsFor(probe, found), ...(answer.ok ? {} : { error: answer.error }) };
}

/** One row per expected replica (missing ones "not connected"), then any other that streams. */
function rowsFor(probe: Probe, found: readonly ReplicaState[]): ReplicaState[] {
  const expected = probe.expected.map((name) => found.find((r) => r.name === name) ?? { name, state: NOT_CONNECTED });
  return [...expected, ...found.filter((r) => !probe.expected.includes(r.name))];
}

function statusTable(rows: readonly ReplicaState[]): string {
  const width = Math.max('replica'.length, ...rows.map((r) => r.name.length)) + 3;
  return [`  ${'replica'.padEnd(width)}state`, ...rows.map((r) => `  ${r.name.padEnd(width)}${r.state}`)].join('\n');
}

export async function awaitReplication(engine: Engine, config: Config, options: StatusOptions): Promise<ReplicaState[]> {
  const probe = probeFor(config);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows, error: psqlError } = await queryReplication(engine, config, options);
    const done = psqlError === undefined && rows.every((r) => r.state === 'streaming');
    if (done || Date.now() >= deadline) {
      const source = probe.service === 'primary' ? 'pg_stat_replication on the primary' : 'pg_stat_wal_receiver on this replica';
      options.say(`Replication (${source}):`);
      options.say(rows.length > 0 ? statusTable(rows) : '  no replica connected yet; replicas on other hosts appear here once they start');
      if (done) return rows;
      const lagging = rows.find((r) => r.state !== 'streaming')?.name ?? probe.service;
      const why = psqlError === undefined ? '' : ` psql said: ${psqlError}.`;
      throw new LaunchError(`Not every replica streams after ${Math.round(timeoutMs / 1000)}s.${why} See why:\n  cd ${options.outDir} && ${commandLine(engine, ['logs', lagging])}`);
    }
    await sleep(options.pollMs ?? 2000);
  }
}
