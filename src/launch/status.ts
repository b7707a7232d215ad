// After `up`: is replication really flowing? Asks PostgreSQL itself (pg_stat_replication on the
// primary, pg_stat_wal_receiver on a lone replica) through `<engine> exec`, over the container's
// local socket, so no password is involved. Healthy containers are not enough: a replica can be
// healthy for a moment before its walsender shows up on the primary.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/model.js';
import { services } from '../render/topology.js';
import { commandLine, type Engine } from './engine.js';
import { LaunchError } from './errors.js';
import { capture } from './exec.js';

export interface ReplicaState { name: string; state: string }

export interface StatusOptions {
  outDir: string;
  say: (line: string) => void;
  env?: NodeJS.ProcessEnv;
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
    return { service: 'replica', sql: `select '${config.replicaName}', status from pg_stat_wal_receiver`, expected: [config.replicaName] };
  }
  const expected = services(config).flatMap((s) => (s.replicaName === undefined ? [] : [s.replicaName]));
  return { service: 'primary', sql: 'select application_name, state from pg_stat_replication order by 1', expected };
}

async function query(engine: Engine, config: Config, probe: Probe, options: StatusOptions): Promise<ReplicaState[] | string> {
  const [command, ...prefix] = engine.compose;
  const result = await capture(command, [...prefix, 'exec', '-T', probe.service, 'psql', '-U', config.postgresUser, '-d', 'postgres', '-Atc', probe.sql], { cwd: options.outDir, env: options.env });
  if (!result.ok) return result.stderr.trim() || 'psql failed';
  return result.stdout.split('\n').filter(Boolean).map((row) => {
    const [name = '', state = ''] = row.split('|');
    return { name, state: state || NOT_CONNECTED };
  });
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
    const answer = await query(engine, config, probe, options);
    const psqlError = typeof answer === 'string' ? answer : undefined;
    const rows = rowsFor(probe, typeof answer === 'string' ? [] : answer);
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
