// Up -> all replicas streaming: the generated stack in Docker (primary + 2 replicas, `--stack`)
// versus the same steps by hand on this host with the same PostgreSQL 15 binaries: initdb, start,
// create the replication role, pg_basebackup per replica, start each replica. Both wait for the
// same condition: every replica's pg_stat_wal_receiver is `streaming` and the primary has one
// walsender per replica.
//
//   node --import tsx bench/docker-vs-host.ts            # 3 runs of each (BENCH_RUNS=n to change)
//   BENCH_MAJORS=15,17,18 BENCH_RUNS=5 node --import tsx bench/docker-vs-host.ts
//                      # Docker only: up -> streaming per major (the rig's postgres:<major> images)
//   BENCH_ENGINE=v1    # docker-compose v1 instead of Compose v2 (`docker compose up -d --wait`)
//
// Needs the rig (test/docker/rig.sh up, done here) and /usr/lib/postgresql/15/bin (or PG_BIN).
// Everything listens on loopback or on the rig's own networks; everything is removed afterwards.
import { mkdtempSync, rmSync, writeFileSync, appendFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { asPostgres, giveToPostgres, PG_BIN, postgresOwnedTempDir } from '../test/support/as-postgres.js';
import { renderBundle } from '../test/e2e-docker/support/bundle.js';
import { median, run, waitFor } from '../test/e2e-docker/support/process.js';
import { Project } from '../test/e2e-docker/support/project.js';
import { engineCommand, type EngineName } from '../test/e2e-docker/support/matrix.js';
import { freePorts, rig } from '../test/e2e-docker/support/rig.js';
import { waitStreaming } from '../test/e2e-docker/support/scenario.js';

const RUNS = Number(process.env.BENCH_RUNS ?? '3');
const ENGINE: EngineName = process.env.BENCH_ENGINE === 'v1' ? 'v1' : 'v2';
const MAJORS = process.env.BENCH_MAJORS?.split(/[\s,]+/).filter(Boolean).map(Number);
const REPLICAS = 2;
const bin = (name: string): string => join(PG_BIN, name);

function pgEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  return { ...base, ...extra };
}

async function asPg(command: string, args: string[], extra: Record<string, string> = {}, input?: string): Promise<string> {
  const [cmd, argv] = asPostgres(command, args);
  return (await run(cmd, argv, { env: pgEnv(extra), input, timeoutMs: 120_000 })).stdout;
}

interface Timing { total: number; phases: Record<string, number> }

async function hostRun(parallel: boolean): Promise<Timing> {
  const root = postgresOwnedTempDir('pg-ha-bench-host-');
  const port = await freePorts(REPLICAS + 1);
  const phases: Record<string, number> = {};
  let mark = Date.now();
  const phase = (name: string): void => { const now = Date.now(); phases[name] = (phases[name] ?? 0) + now - mark; mark = now; };
  const pwfile = join(root, 'pw');
  writeFileSync(pwfile, 'bench-superuser');
  chmodSync(pwfile, 0o600);
  giveToPostgres(pwfile);
  const started = Date.now();
  const dirs: string[] = [];
  try {
    const primary = join(root, 'primary');
    dirs.push(primary);
    await asPg(bin('initdb'), ['-D', primary, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C']);
    phase('initdb');
    appendFileSync(join(primary, 'pg_hba.conf'), 'host replication replicator 127.0.0.1/32 scram-sha-256\n');
    const common = `-c listen_addresses=127.0.0.1 -c unix_socket_directories=${root}`;
    await asPg(bin('pg_ctl'), ['-D', primary, '-l', join(root, 'primary.log'), '-w', '-o', `${common} -p ${port}`, 'start']);
    phase('start primary');
    await asPg(bin('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', root, '-p', String(port), '-U', 'postgres', '-d', 'postgres'], {},
      "CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD 'bench-replication';\n");
    phase('create role');
    const replica = async (i: number): Promise<void> => {
      const dir = join(root, `replica${i}`);
      dirs.push(dir);
      await asPg(bin('pg_basebackup'), ['-D', dir, '-R', '-X', 'stream', '-c', 'fast', '-C', '-S', `replica${i}`, '-h', '127.0.0.1', '-p', String(port), '-U', 'replicator', '-w'],
        { PGPASSWORD: 'bench-replication', PGAPPNAME: `replica${i}` });
      if (!parallel) phase('pg_basebackup');
      await asPg(bin('pg_ctl'), ['-D', dir, '-l', join(root, `replica${i}.log`), '-w', '-o', `${common} -p ${port + i}`, 'start']);
      if (!parallel) phase('start replica');
    };
    if (parallel) await Promise.all(Array.from({ length: REPLICAS }, (_, i) => replica(i + 1)));
    else for (let i = 1; i <= REPLICAS; i++) await replica(i);
    if (parallel) phase('pg_basebackup + start replicas (parallel)');
    await waitFor(async () => {
      for (let i = 1; i <= REPLICAS; i++) {
        const out = await asPg(bin('psql'), ['-X', '-At', '-h', root, '-p', String(port + i), '-U', 'postgres', '-d', 'postgres', '-c',
          "SELECT status || '|' || slot_name FROM pg_stat_wal_receiver"]);
        if (out.trim() !== `streaming|replica${i}`) return undefined;
      }
      const n = await asPg(bin('psql'), ['-X', '-At', '-h', root, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c',
        "SELECT count(DISTINCT application_name) FROM pg_stat_replication WHERE state = 'streaming'"]);
      return Number(n.trim()) === REPLICAS ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, what: 'host replicas streaming' });
    phase('until streaming');
    return { total: Date.now() - started, phases };
  } finally {
    for (const dir of dirs.reverse()) {
      await asPg(bin('pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * One stack from `up` to every replica streaming. Compose v2 runs the README's command,
 * `docker compose up -d --wait` (returns once all three are healthy); v1 runs `docker-compose up -d`
 * (returns once the primary is healthy and the replicas are started).
 */
async function dockerRun(major = 15): Promise<Timing> {
  await rig();
  const dir = mkdtempSync(join(tmpdir(), 'pg-ha-bench-docker-'));
  const port = await freePorts(REPLICAS + 1);
  const bundle = renderBundle(dir, 'stack', { PG_MAJOR: String(major), REPLICA_COUNT: String(REPLICAS), PRIMARY_PORT: String(port) });
  const project = new Project(`pgha-bench-${Math.random().toString(36).slice(2, 7)}`, dir, ENGINE);
  const user = bundle.config.postgresUser;
  const primary = { project, service: 'primary', user };
  const refs = Array.from({ length: REPLICAS }, (_, i) => ({ node: { project, service: `replica${i + 1}`, user }, name: `replica${i + 1}` }));
  try {
    const started = Date.now();
    const streaming = waitStreaming(primary, refs, 180_000);
    await project.up([], ENGINE === 'v2' ? ['--wait'] : []);
    const upReturned = Date.now() - started;
    await streaming;
    const total = Date.now() - started;
    return { total, phases: { [`${upCommand()} returned`]: upReturned, 'then until streaming': total - upReturned } };
  } finally {
    await project.down();
    rmSync(dir, { recursive: true, force: true });
  }
}

function show(label: string, runs: Timing[]): number {
  const totals = runs.map((r) => r.total);
  const m = median(totals);
  console.log(`${label}: median ${(m / 1000).toFixed(2)} s over ${runs.length} runs (${totals.map((x) => (x / 1000).toFixed(2)).join(', ')} s)`);
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.phases)))];
  for (const name of names) console.log(`    ${name}: median ${(median(runs.map((r) => r.phases[name] ?? 0)) / 1000).toFixed(2)} s`);
  return m;
}

function upCommand(): string {
  return `${engineCommand(ENGINE)} up -d${ENGINE === 'v2' ? ' --wait' : ''}`;
}

/** Docker only, per major: up -> all replicas streaming. */
async function perMajor(majors: readonly number[]): Promise<void> {
  const results: [number, number][] = [];
  for (const major of majors) {
    await dockerRun(major); // warm-up: page cache, image layers; not counted
    const runs: Timing[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await dockerRun(major));
    results.push([major, show(`PostgreSQL ${major}, ${upCommand()}, up -> ${REPLICAS} replicas streaming`, runs)]);
  }
  console.log(`\n| major | up -> ${REPLICAS} replicas streaming (median of ${RUNS}, ${engineCommand(ENGINE)}) |\n|---|---|`);
  for (const [major, m] of results) console.log(`| ${major} | ${(m / 1000).toFixed(2)} s |`);
}

async function main(): Promise<void> {
  if (MAJORS) return perMajor(MAJORS);
  const docker: Timing[] = [];
  const hostSequential: Timing[] = [];
  const hostParallel: Timing[] = [];
  await dockerRun(); // warm-up: page cache, image layers; not counted
  for (let i = 0; i < RUNS; i++) {
    docker.push(await dockerRun());
    hostSequential.push(await hostRun(false));
    hostParallel.push(await hostRun(true));
    await delay(500);
  }
  console.log(`up -> ${REPLICAS} replicas streaming, PostgreSQL 15, this machine:`);
  const d = show(`docker (generated stack, ${upCommand()})`, docker);
  const hs = show('host, by hand, replicas one after the other', hostSequential);
  const hp = show('host, by hand, replicas cloned in parallel', hostParallel);
  console.log(`ratio docker / host(sequential) = ${(d / hs).toFixed(1)}x; docker / host(parallel) = ${(d / hp).toFixed(1)}x`);
}

main().catch((error) => { console.error(error); process.exit(1); });
