// Time to a streaming replica on this machine, median of N runs (default 5):
//   together   primary and replica entrypoints started at the same instant (the replica's bounded
//              backoff, 1, 2, 4 s..., decides when it sees the primary);
//   sequential replica entrypoint started once the primary is healthy (compose depends_on:
//              service_healthy);
//   by hand    initdb, pg_ctl start, CREATE ROLE, pg_basebackup -R -C -S, pg_ctl start: the floor.
// Each ends when the primary's pg_stat_replication shows the replica streaming.
// Run as root: node --import tsx bench/entrypoint-host.ts [runs]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const PASSWORD = 'bench-password';


async function streaming(port: number, name: string): Promise<boolean> {
  try {
    const { stdout } = await execFileP(join(PG_BIN, 'psql'), ['-XAtq', '-p', String(port), '-U', 'postgres', '-d', 'postgres',
      '-c', `SELECT state FROM pg_stat_replication WHERE application_name = '${name}'`], { env: { PATH } });
    return stdout.trim() === 'streaming';
  } catch {
    return false;
  }
}

async function untilStreaming(port: number, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await streaming(port, name))) {
    if (Date.now() > deadline) throw new Error(`${name} not streaming`);
    await delay(20);
  }
}

async function healthy(healthcheck: string, env: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await execFileP(healthcheck, [], { env: { PATH, POSTGRES_USER: 'postgres', ...env } });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error('not healthy');
      await delay(20);
    }
  }
}

function start(command: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(command, args, { env, detached: true, stdio: 'ignore' });
}

async function viaEntrypoint(together: boolean): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'pg-ha-init-bench-'));
  chmodSync(root, 0o755);
  const children: ChildProcess[] = [];
  try {
    const bundle = makeHostBundle(join(root, 'bundle'), { replicationUser: 'replicator', replicationCidr: '127.0.0.1/32' });
    const secret = join(root, 'secret');
    writeFileSync(secret, PASSWORD, { mode: 0o600 });
    giveToPostgres(secret);
    const primaryPort = await freePort();
    const replicaPort = await freePort();
    const common = { PATH, HOME: root, LANG: 'C.UTF-8', HA_MODE: 'native', REPLICATION_PASSWORD_FILE: secret };
    const primaryEnv = { ...common, REPLICATION_ROLE: 'primary', PGPORT: String(primaryPort), PGDATA: join(postgresOwnedTempDir('pg-ha-init-bench-p-'), 'data'),
      POSTGRES_PASSWORD_FILE: secret, HA_CONFIG_DIR: bundle.configDir('primary') };
    const replicaEnv = { ...common, REPLICATION_ROLE: 'replica', PGPORT: String(replicaPort), PGDATA: join(postgresOwnedTempDir('pg-ha-init-bench-r-'), 'data'),
      PRIMARY_HOST: '127.0.0.1', PRIMARY_PORT: String(primaryPort), REPLICA_NAME: 'bench', HA_CONFIG_DIR: bundle.configDir('replica') };
    const args = ['postgres', '-c', 'listen_addresses=127.0.0.1'];
    const t0 = performance.now();
    children.push(start(...asPostgres(bundle.entrypoint, args), primaryEnv));
    if (!together) await healthy(bundle.healthcheck, { PGPORT: String(primaryPort) });
    children.push(start(...asPostgres(bundle.entrypoint, args), replicaEnv));
    await untilStreaming(primaryPort, 'bench');
    const elapsed = performance.now() - t0;
    for (const child of children.reverse()) await stopGroup(child, 15_000);
    for (const env of [primaryEnv, replicaEnv]) rmSync(join(env.PGDATA, '..'), { recursive: true, force: true });
    return elapsed;
  } finally {
    for (const child of children) await stopGroup(child, 15_000);
    rmSync(root, { recursive: true, force: true });
  }
}

async function byHand(): Promise<number> {
  const dir = postgresOwnedTempDir('pg-ha-init-bench-hand-');
  const primary = join(dir, 'primary');
  const replica = join(dir, 'replica');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, PASSWORD);
  giveToPostgres(pwfile);
  const primaryPort = await freePort();
  const replicaPort = await freePort();
  const env = { PATH, LANG: 'C.UTF-8', PGPASSWORD: PASSWORD };
  const run = async (command: string, args: string[], extra: Record<string, string> = {}): Promise<void> => {
    const [cmd, argv] = asPostgres(join(PG_BIN, command), args);
    await execFileP(cmd, argv, { env: { ...env, ...extra } });
  };
  const t0 = performance.now();
  try {
    await run('initdb', ['-D', primary, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256']);
    appendFileSync(join(primary, 'postgresql.conf'), "listen_addresses = '127.0.0.1'\nwal_level = replica\nhot_standby = on\n");
    await run('pg_ctl', ['-D', primary, '-o', `-p ${primaryPort}`, '-l', join(dir, 'primary.log'), '-w', 'start']);
    await run('psql', ['-XAtq', '-p', String(primaryPort), '-U', 'postgres', '-d', 'postgres',
      '-c', `CREATE ROLE replicator LOGIN REPLICATION PASSWORD '${PASSWORD}'`]);
    await run('pg_basebackup', ['-D', replica, '-R', '-X', 'stream', '-c', 'fast', '-C', '-S', 'bench', '-w'],
      { PGHOST: '127.0.0.1', PGPORT: String(primaryPort), PGUSER: 'replicator', PGAPPNAME: 'bench' });
    await run('pg_ctl', ['-D', replica, '-o', `-p ${replicaPort}`, '-l', join(dir, 'replica.log'), '-w', 'start']);
    await untilStreaming(primaryPort, 'bench');
    return performance.now() - t0;
  } finally {
    for (const data of [replica, primary]) await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Record<string, number[]> = { together: [], sequential: [], 'by hand': [] };
for (let i = 0; i < RUNS; i++) {
  results.together!.push(await viaEntrypoint(true));
  results.sequential!.push(await viaEntrypoint(false));
  results['by hand']!.push(await byHand());
}
for (const [name, values] of Object.entries(results)) {
  console.log(`${name.padEnd(10)} median ${median(values).toFixed(0)} ms  (runs: ${values.map((v) => v.toFixed(0)).join(', ')})`);
}
