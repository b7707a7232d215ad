// A primary holding about 1 GB (BENCH_BIG_MB, default 1024): what the replica entrypoint adds to
// the clone itself. The primary is started once by the generated entrypoint and filled; then, for
// each run (median of N, default 5; interleaved, in a rotating order), an empty replica is made
// three ways:
//   basebackup         bare `pg_basebackup -X stream --checkpoint=fast` into an empty directory: the floor
//   basebackup+start   the same with -R and a slot, then pg_ctl start, until the primary's
//                      pg_stat_replication shows it streaming: a replica by hand
//   entrypoint         the generated replica entrypoint on an empty PGDATA, until streaming
// Each replica is stopped and removed, and its slot dropped, before the next.
// Run as root (the servers run as postgres): node --import tsx bench/entrypoint-1gb.ts [runs]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { asPostgres, giveToPostgres, PG_BIN, postgresOwnedTempDir } from '../test/support/as-postgres.js';
import { makeHostBundle } from '../test/support/bundle.js';
import { freePort } from '../test/support/ports.js';
import { median, stopGroup } from './support.js';

const execFileP = promisify(execFile);
const PATH = `${PG_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`;
const RUNS = Number(process.argv[2] ?? 5);
const MEGABYTES = Number(process.env.BENCH_BIG_MB ?? 1024);
const PASSWORD = 'bench-password';


async function sql(port: number, query: string): Promise<string> {
  const { stdout } = await execFileP(join(PG_BIN, 'psql'), ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', query],
    { env: { PATH }, maxBuffer: 1 << 20 });
  return stdout.trim();
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: timed out`);
    await delay(20);
  }
}

const streaming = (port: number, name: string) => async (): Promise<boolean> =>
  (await sql(port, `SELECT state FROM pg_stat_replication WHERE application_name = '${name}'`)) === 'streaming';

function start(command: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(...asPostgres(command, args), { env, detached: true, stdio: 'ignore' });
}

async function asPg(command: string, args: string[], env: Record<string, string>): Promise<void> {
  const [cmd, argv] = asPostgres(join(PG_BIN, command), args);
  await execFileP(cmd, argv, { env: { PATH, LANG: 'C.UTF-8', ...env }, maxBuffer: 16 << 20 });
}

const root = mkdtempSync(join(tmpdir(), 'pg-ha-init-bench-big-'));
chmodSync(root, 0o755);
const children: ChildProcess[] = [];
const dataDirs: string[] = [];
try {
  const bundle = makeHostBundle(join(root, 'bundle'), { replicationUser: 'replicator', replicationCidr: '127.0.0.1/32' });
  const secret = join(root, 'secret');
  writeFileSync(secret, PASSWORD, { mode: 0o600 });
  giveToPostgres(secret);
  const primaryPort = await freePort();
  const common = { PATH, HOME: root, LANG: 'C.UTF-8', HA_MODE: 'native', REPLICATION_PASSWORD_FILE: secret };
  const primaryData = postgresOwnedTempDir('pg-ha-init-bench-big-p-');
  dataDirs.push(primaryData);
  const primary = start(bundle.entrypoint, ['postgres', '-c', 'listen_addresses=127.0.0.1', '-c', 'max_wal_size=4GB'], {
    ...common, REPLICATION_ROLE: 'primary', PGPORT: String(primaryPort), PGDATA: join(primaryData, 'data'),
    POSTGRES_PASSWORD_FILE: secret, HA_CONFIG_DIR: bundle.configDir('primary'),
  });
  children.push(primary);
  // Healthy = accepting TCP on loopback: past the entrypoint's socket-only setup start.
  await until('primary healthy', async () => {
    await execFileP(bundle.healthcheck, [], { env: { PATH, POSTGRES_USER: 'postgres', PGPORT: String(primaryPort) } });
    return true;
  }, 60_000);
  // Rows of about 1 KB (960 characters: below the TOAST threshold, so stored as they are).
  const rows = Math.round((MEGABYTES * 1024 * 1024) / 1024);
  const filled = performance.now();
  await sql(primaryPort, `CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 30) AS pad FROM generate_series(1, ${rows}) g`);
  await sql(primaryPort, 'CHECKPOINT');
  const size = await sql(primaryPort, 'SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database');
  console.log(`primary on port ${primaryPort}: ${size} in all databases (filled in ${((performance.now() - filled) / 1000).toFixed(0)} s)`);

  const replicationEnv = { PGHOST: '127.0.0.1', PGPORT: String(primaryPort), PGUSER: 'replicator', PGPASSWORD: PASSWORD };
  const results: Record<string, number[]> = { basebackup: [], 'basebackup+start': [], entrypoint: [] };
  // Bare pg_basebackup, the floor.
  const bare = async (): Promise<number> => {
    const dir = postgresOwnedTempDir('pg-ha-init-bench-big-b-');
    const t0 = performance.now();
    await asPg('pg_basebackup', ['-D', join(dir, 'data'), '-X', 'stream', '--checkpoint=fast', '-w'], replicationEnv);
    const elapsed = performance.now() - t0;
    rmSync(dir, { recursive: true, force: true });
    return elapsed;
  };
  // By hand: pg_basebackup -R through a slot, start, until streaming.
  const byHand = async (i: number): Promise<number> => {
    const dir = postgresOwnedTempDir('pg-ha-init-bench-big-h-');
    const name = `hand_${i}`;
    const data = join(dir, 'data');
    const port = await freePort();
    const t0 = performance.now();
    await asPg('pg_basebackup', ['-D', data, '-R', '-X', 'stream', '--checkpoint=fast', '-C', '-S', name, '-w'], { ...replicationEnv, PGAPPNAME: name });
    await asPg('pg_ctl', ['-D', data, '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`, '-l', join(dir, 'log'), '-w', 'start'], {});
    await until(`${name} streaming`, streaming(primaryPort, name));
    const elapsed = performance.now() - t0;
    await asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], {});
    await sql(primaryPort, `SELECT pg_drop_replication_slot('${name}')`);
    rmSync(dir, { recursive: true, force: true });
    return elapsed;
  };
  // The generated replica entrypoint on an empty PGDATA.
  const viaEntrypoint = async (i: number): Promise<number> => {
    const dir = postgresOwnedTempDir('pg-ha-init-bench-big-r-');
    const name = `entry_${i}`;
    const port = await freePort();
    const t0 = performance.now();
    const replica = start(bundle.entrypoint, ['postgres', '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`], {
      ...common, REPLICATION_ROLE: 'replica', PGPORT: String(port), PGDATA: join(dir, 'data'),
      PRIMARY_HOST: '127.0.0.1', PRIMARY_PORT: String(primaryPort), REPLICA_NAME: name, HA_CONFIG_DIR: bundle.configDir('replica'),
    });
    children.push(replica);
    await until(`${name} streaming`, streaming(primaryPort, name));
    const elapsed = performance.now() - t0;
    await stopGroup(replica, 30_000);
    await until(`${name} slot released`, async () => (await sql(primaryPort, `SELECT active FROM pg_replication_slots WHERE slot_name = '${name}'`)) === 'f', 30_000);
    await sql(primaryPort, `SELECT pg_drop_replication_slot('${name}')`);
    rmSync(dir, { recursive: true, force: true });
    return elapsed;
  };
  const ways: [string, (i: number) => Promise<number>][] = [['basebackup', bare], ['basebackup+start', byHand], ['entrypoint', viaEntrypoint]];
  for (let i = 0; i < RUNS; i++) {
    for (let k = 0; k < ways.length; k++) {
      const [name, way] = ways[(i + k) % ways.length]!;
      results[name]!.push(await way(i));
    }
  }
  for (const [name, values] of Object.entries(results)) {
    console.log(`${name.padEnd(16)} median ${median(values).toFixed(0)} ms  (runs: ${values.map((v) => v.toFixed(0)).join(', ')})`);
  }
} finally {
  for (const child of children.reverse()) await stopGroup(child, 30_000);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
}
