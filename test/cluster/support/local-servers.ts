// Real PostgreSQL servers for the day-2 e2e tests: a primary and clones made with
// pg_basebackup -R -C -S, each on its own loopback port, all run as `postgres` (as-postgres.ts),
// with a socket directory and data directories under one temp dir. fsync is off: these tests
// check WAL positions and timelines, not durability. Every server is stopped by an after() hook
// registered when the set is created, so a failing test leaves none behind.
//
// `runner` is the transport the library expects: the engine's runner runs the same psql and
// pg_controldata through `docker compose exec -T <service>`; only the transport differs.
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatClusterTable } from '../../../src/cluster/format.js';
import { formatLsn } from '../../../src/cluster/lsn.js';
import { readCluster, type ClusterView, type ExpectedNode } from '../../../src/cluster/view.js';
import { psqlArgs, type NodeRunner, type SqlResult } from '../../../src/cluster/transport.js';
import { PG_BIN, asPostgres, giveToPostgres, postgresOwnedTempDir } from '../../support/as-postgres.js';
import { freePort } from '../../support/ports.js';

const bin = (name: string): string => join(PG_BIN, name);

/** Our environment without PG* variables (they would redirect psql), in the C locale (pg_controldata's labels). */
function cleanEnv(): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && !k.startsWith('LC_'))), LC_ALL: 'C' };
}

function run(command: string, args: string[], what: string): string {
  const [cmd, argv] = asPostgres(command, args);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: cleanEnv() });
  if (r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
  return `${r.stdout}${r.stderr}`;
}

function runAsync(command: string, args: string[]): Promise<SqlResult> {
  const [cmd, argv] = asPostgres(command, args);
  return new Promise((resolve) => {
    execFile(cmd, argv, { encoding: 'utf8', env: cleanEnv(), timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ ok: err === null, stdout, stderr: err !== null && stderr === '' ? err.message : stderr });
    });
  });
}

// Small and quick, plus what the day-2 commands rely on: wal_log_hints (pg_rewind) and a walsender
// that reports replay progress every second.
const SETTINGS = `
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = on
wal_log_hints = on
shared_buffers = 16MB
max_connections = 20
max_wal_senders = 10
wal_receiver_status_interval = 1s
wal_retrieve_retry_interval = 500ms
checkpoint_timeout = 1h
log_min_messages = warning
`;

export class LocalNode {
  constructor(readonly name: string, readonly port: number, readonly dataDir: string, readonly socketDir: string) {}

  get running(): boolean {
    return existsSync(join(this.dataDir, 'postmaster.pid'));
  }

  start(): void {
    const options = `-p ${this.port} -c unix_socket_directories=${this.socketDir}`;
    run(bin('pg_ctl'), ['-D', this.dataDir, '-l', join(this.socketDir, `${this.name}.log`), '-w', '-t', '60', '-o', options, 'start'], `start ${this.name}`);
  }

  /** fast: a clean shutdown (a shutdown checkpoint or restartpoint); immediate: a crash. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    if (this.running) run(bin('pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop'], `stop ${this.name}`);
  }

  /** One statement through psql over the socket as superuser; stdout trimmed. Throws on error. */
  psql(sql: string): string {
    return run(bin('psql'), ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', this.socketDir, '-p', String(this.port), '-U', 'postgres', '-d', 'postgres', '-c', sql], `psql on ${this.name}`).trim();
  }

  /** libpq keyword/value connection string over TCP loopback. */
  conninfo(extra = ''): string {
    return `host=127.0.0.1 port=${this.port} user=postgres dbname=postgres${extra ? ` ${extra}` : ''}`;
  }

  /** Make this (stopped) node a standby of `upstream` through slot `slot`, as rejoin will. */
  followAs(upstream: LocalNode, slot: string): void {
    appendFileSync(join(this.dataDir, 'postgresql.auto.conf'),
      `primary_conninfo = '${upstream.conninfo(`application_name=${this.name}`)}'\nprimary_slot_name = '${slot}'\n`);
    const signal = join(this.dataDir, 'standby.signal');
    writeFileSync(signal, '');
    giveToPostgres(signal);
  }

  readFile(path: string): string {
    return readFileSync(join(this.dataDir, path), 'utf8');
  }
}

export class LocalServers {
  readonly nodes = new Map<string, LocalNode>();
  private constructor(readonly root: string) {}

  /** Call at module top level: the after() hook it registers must belong to the file, not to a hook. */
  static create(): LocalServers {
    const missing = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_basebackup', 'pg_controldata', 'pg_rewind', 'pg_waldump'].filter((b) => !existsSync(bin(b)));
    if (missing.length > 0) {
      throw new Error(`PostgreSQL binaries missing in ${PG_BIN} (${missing.join(', ')}). Install them: apt-get install -y postgresql-15 (or set PG_BIN).`);
    }
    const servers = new LocalServers(postgresOwnedTempDir('pg-ha-init-cluster-'));
    after(() => servers.destroy());
    return servers;
  }

  node(name: string): LocalNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async initPrimary(name: string): Promise<LocalNode> {
    const dataDir = join(this.root, name);
    run(bin('initdb'), ['-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--auth=trust', '--no-sync', '--no-instructions'], 'initdb');
    appendFileSync(join(dataDir, 'postgresql.conf'), SETTINGS);
    const node = new LocalNode(name, await freePort(), dataDir, this.root);
    this.nodes.set(name, node);
    node.start();
    return node;
  }

  /** pg_basebackup -R -C -S name from `from`, then start it streaming as application_name = name. */
  async cloneReplica(name: string, from: LocalNode): Promise<LocalNode> {
    const dataDir = join(this.root, name);
    rmSync(dataDir, { recursive: true, force: true });
    run(bin('pg_basebackup'), ['-D', dataDir, '-d', from.conninfo(`application_name=${name}`), '-R', '-C', '-S', name, '-X', 'stream', '-c', 'fast', '--no-sync'], `pg_basebackup ${name}`);
    const node = new LocalNode(name, this.nodes.get(name)?.port ?? await freePort(), dataDir, this.root);
    // -R already wrote primary_conninfo; ours (appended, so it wins) names the application for certain.
    appendFileSync(join(dataDir, 'postgresql.auto.conf'), `primary_conninfo = '${from.conninfo(`application_name=${name}`)}'\n`);
    this.nodes.set(name, node);
    node.start();
    return node;
  }

  /** The library's transport: psql, pg_controldata and the data directory, locally. */
  readonly runner: NodeRunner = {
    sql: (name, sql) => {
      const n = this.node(name);
      return runAsync(bin('psql'), psqlArgs(sql, { user: 'postgres', connection: ['-h', n.socketDir, '-p', String(n.port)] }));
    },
    controldata: (name) => runAsync(bin('pg_controldata'), ['-D', this.node(name).dataDir]),
    waldump: (name, timeline, start) => runAsync(bin('pg_waldump'), ['-p', join(this.node(name).dataDir, 'pg_wal'), '-t', String(timeline), '-s', formatLsn(start)]),
    readFile: async (name, path) => {
      try {
        return { ok: true, stdout: this.node(name).readFile(path), stderr: '' };
      } catch (err) {
        return { ok: false, stdout: '', stderr: (err as Error).message };
      }
    },
  };

  /** pg_rewind as postgres (dry run unless told otherwise); returns its output, throws on failure. */
  rewind(target: LocalNode, source: LocalNode, options: { dryRun: boolean }): string {
    return run(bin('pg_rewind'), ['-D', target.dataDir, `--source-server=${source.conninfo()}`, '--progress', ...(options.dryRun ? ['--dry-run'] : [])], `pg_rewind ${target.name}`);
  }

  /** Until `primary` is the one writable node and every other streams from it with nothing left to replay. */
  caughtUp(primary: string, nodes: readonly ExpectedNode[]): Promise<ClusterView> {
    let last: ClusterView | undefined;
    return waitFor(`every node streaming from ${primary} with 0 bytes of lag`, async () => {
      const v = await readCluster(this.runner, nodes);
      last = v;
      const done = v.primary === primary && v.exitCode === 0 && v.nodes.every((n) => n.name === primary || (n.state === 'streaming' && n.lagBytes === 0));
      return done ? v : undefined;
    }, 30_000, () => (last ? formatClusterTable(last) : 'no answer'));
  }

  destroy(): void {
    for (const n of this.nodes.values()) {
      try { n.stop('immediate'); } catch { /* the rm below still runs; a stuck server shows in the log */ }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Poll `check` until it returns a value (not undefined), or fail naming `what` and the last value seen. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, lastSeen?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastSeen ? `; last seen:\n${lastSeen()}` : ''}`);
    await sleep(100);
  }
}
