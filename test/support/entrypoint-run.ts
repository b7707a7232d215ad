// Harness for end-to-end tests that start nodes with the real bundled entrypoint on the real
// PostgreSQL binaries, on loopback: a Run is one entrypoint process (after its exec, the
// postmaster), a Node a primary/replica/standalone with its environment, a Lab a per-test
// workspace (bundle, secret files, data directories) torn down by t.after. Servers run as
// postgres, never root; the entrypoint of a primary is started as root when the test runs as
// root, so the drop to postgres is exercised too.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync,
  realpathSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { asPostgres, giveToPostgres, isRoot, PG_BIN, postgresOwnedTempDir } from './as-postgres.js';
import { makeHostBundle, type HostBundle } from './bundle.js';
import { freePort } from './ports.js';

export const execFileP = promisify(execFile);
export const PATH = `${PG_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
const HOME = postgresOwnedTempDir('pg-ha-init-home-');
chmodSync(HOME, 0o755);
/** Every directory this module creates; the final check looks for processes working in them. */
const ourDirs = new Set<string>([HOME]);

/** A password with every character that broke other tools' quoting. */
export const PASSWORD = `a' b"c$d\\e\`f#g:h&i=j%k@l/m n`;

// ---------------------------------------------------------------------------------- processes

/** One run of entrypoint.sh; after the exec its PID is the postmaster's. */
export class Run {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  exitCode: number | null | undefined = undefined;
  readonly exited: Promise<void>;

  constructor(readonly label: string, command: string, args: string[], env: Record<string, string>) {
    // detached: a process group of its own, so a fault test can kill the whole entrypoint at once.
    // stdin ignored: bash reads ~/.bashrc when its stdin is a socket, and Node's pipes are sockets.
    this.child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => { this.stdout += chunk.toString('utf8'); });
    this.child.stderr?.on('data', (chunk: Buffer) => { this.stderr += chunk.toString('utf8'); });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => { this.exitCode = code; resolve(); });
      this.child.on('error', () => { this.exitCode = null; resolve(); });
    });
  }

  get pid(): number { return this.child.pid ?? -1; }
  get running(): boolean { return this.exitCode === undefined; }
  get output(): string { return `--- ${this.label} stdout:\n${this.stdout}\n--- ${this.label} stderr:\n${this.stderr}`; }

  /** Fast shutdown (SIGINT) once it is postgres; otherwise, or after a grace period, SIGKILL the group. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.running && comm(this.pid) === 'postgres') {
      signal(this.pid, 'SIGINT');
      await settledWithin(this.exited, graceMs);
    }
    await this.kill();
  }

  /** SIGKILL every process in the group, then wait until the group is empty. */
  async kill(): Promise<void> {
    signal(-this.pid, 'SIGKILL');
    await settledWithin(this.exited, 10_000);
    await waitFor(() => groupMembers(this.pid).length === 0, 10_000, `${this.label}: process group still alive`);
  }
}

/** Wait for `promise`, at most `ms`; the timer is cleared so it never holds the process open. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => { timer = setTimeout(resolve, ms); })]);
  clearTimeout(timer);
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try { process.kill(pid, name); } catch { /* already gone */ }
}

export function procStat(pid: string | number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

export function comm(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

export function pids(): string[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name));
}

export function groupMembers(pgid: number): string[] {
  return pids().filter((pid) => { const s = procStat(pid); return s !== undefined && s.pgrp === pgid && s.state !== 'Z'; });
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await delay(everyMs);
  }
}

/**
 * A postmaster that outlived its entrypoint's group (pg_ctl starts the init-time server in a
 * session of its own): find it by PGDATA's postmaster.pid and its working directory, stop it.
 */
export async function stopStrayPostmaster(pgdata: string): Promise<void> {
  const pidFile = join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  try {
    if (readlinkSync(`/proc/${pid}/cwd`) !== realpathSync(pgdata)) return;
  } catch {
    return;
  }
  signal(pid, 'SIGINT');
  await waitFor(() => !alive(pid), 10_000, 'stray postmaster').catch(() => undefined);
  if (alive(pid)) signal(pid, 'SIGKILL');
  await waitFor(() => !alive(pid), 10_000, `stray postmaster ${pid} in ${pgdata}`);
}

// ---------------------------------------------------------------------------------- nodes

export type Env = Record<string, string>;

/** A primary, replica or standalone node: its bundle, environment and current entrypoint run. */
export class Node {
  run: Run | undefined;
  readonly runs: Run[] = [];

  constructor(readonly label: string, readonly bundle: HostBundle, public env: Env, readonly asRoot: boolean) {}

  get port(): number { return Number(this.env.PGPORT); }
  get pgdata(): string { return this.env.PGDATA ?? ''; }

  /** Start entrypoint.sh postgres; env entries set to undefined are removed for this run. */
  start(overrides: Record<string, string | undefined> = {}): Run {
    assert.ok(!this.run?.running, `${this.label} is already running`);
    const env: Env = { ...this.env };
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) delete env[key]; else env[key] = value;
    }
    // Loopback only: these servers are for this test, not for the machine's network.
    const args = ['postgres', '-c', 'listen_addresses=127.0.0.1'];
    const [command, argv] = this.asRoot && isRoot ? [this.bundle.entrypoint, args] : asPostgres(this.bundle.entrypoint, args);
    this.run = new Run(`${this.label}#${this.runs.length + 1}`, command, argv, env);
    this.runs.push(this.run);
    return this.run;
  }

  async stop(): Promise<void> {
    await this.run?.stop();
    await stopStrayPostmaster(this.pgdata);
  }

  async restart(overrides: Record<string, string | undefined> = {}): Promise<Run> {
    await this.stop();
    return this.start(overrides);
  }

  /** Exit code of healthcheck.sh with this node's environment (as a container would run it). */
  async healthy(overrides: Env = {}): Promise<boolean> {
    // The healthcheck asks the server as the bootstrap superuser, as the container's env names it.
    const env: Env = { PATH, PGPORT: String(this.port), POSTGRES_USER: this.env.POSTGRES_USER ?? 'postgres', ...overrides };
    for (const key of ['HA_MODE', 'REPLICATION_ROLE'] as const) {
      const value = key in overrides ? overrides[key] : this.env[key];
      if (value !== undefined && value !== '') env[key] = value; else delete env[key];
    }
    try {
      await execFileP(this.bundle.healthcheck, [], { env, timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  }

  async waitHealthy(timeoutMs = 60_000, healthEnv: Env = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.healthy(healthEnv)) return;
      const run = this.run;
      if (run && !run.running) assert.fail(`${run.label} exited (${String(run.exitCode)}) before it was healthy\n${run.output}`);
      if (Date.now() > deadline) assert.fail(`${this.label} not healthy after ${timeoutMs} ms\n${run?.output ?? ''}`);
      await delay(150);
    }
  }

  /** Run SQL as the superuser over the default local socket (trusted by the pg_hba fragment). */
  async sql(query: string, database = 'postgres'): Promise<string> {
    const { stdout } = await execFileP(join(PG_BIN, 'psql'),
      ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-p', String(this.port), '-U', 'postgres', '-d', database, '-c', query],
      { env: { PATH }, timeout: 120_000 });
    return stdout.trim();
  }

  /** The error psql reports for a statement that must fail. */
  async sqlError(query: string): Promise<string> {
    try {
      await this.sql(query);
    } catch (error) {
      return String((error as { stderr?: string }).stderr ?? error);
    }
    return assert.fail(`${this.label}: expected an error from: ${query}`);
  }
}


// ---------------------------------------------------------------------------------- scenario kit

/** Per-test workspace: a bundle, secret files, data directories; everything torn down by t.after. */
export class Lab {
  readonly root: string;
  readonly bundle: HostBundle;
  readonly nodes: Node[] = [];
  private readonly secretDir: string;
  private readonly cleanup: string[] = [];
  private tornDown = false;

  constructor(t: { after: (fn: () => Promise<void>) => void }, replicationUser = 'replicator') {
    this.root = mkdtempSync(join(tmpdir(), 'pg-ha-init-e2e-'));
    ourDirs.add(this.root);
    chmodSync(this.root, 0o755);
    this.cleanup.push(this.root);
    this.bundle = makeHostBundle(join(this.root, 'bundle'), { replicationUser, replicationCidr: '127.0.0.1/32' });
    this.secretDir = join(this.root, 'secrets');
    mkdirSync(this.secretDir, { mode: 0o755 });
    chmodSync(this.secretDir, 0o755);
    t.after(() => this.teardown());
  }

  /** A directory the test made: removed at teardown, and watched for leftover processes. */
  track(dir: string): void {
    ourDirs.add(dir);
    this.cleanup.push(dir);
  }

  /** A 0600 secret file, owned by root (only the root-started entrypoint can read it) or postgres. */
  secret(name: string, value: string, owner: 'root' | 'postgres'): string {
    const path = join(this.secretDir, name);
    writeFileSync(path, value, { mode: 0o600 });
    if (owner === 'postgres') giveToPostgres(path);
    return path;
  }

  async primary(label: string, password: string, options: { superPassword?: string; env?: Env } = {}): Promise<Node> {
    // Root-owned parent: the entrypoint, started as root, must create PGDATA and chown the parent.
    const node = new Node(label, this.bundle, {
      ...await this.nodeEnv(mkdtempSync(join(tmpdir(), `pg-ha-init-${label}-`))),
      REPLICATION_ROLE: 'primary',
      REPLICATION_PASSWORD_FILE: this.secret(`${label}-replication`, password, 'root'),
      POSTGRES_PASSWORD_FILE: this.secret(`${label}-superuser`, options.superPassword ?? 'superuser-secret', 'root'),
      HA_CONFIG_DIR: this.bundle.configDir('primary'),
      ...options.env,
    }, true);
    this.nodes.push(node);
    return node;
  }

  async replica(label: string, primary: Node, password: string, env: Env = {}): Promise<Node> {
    // PGDATA is a subdirectory of a postgres-owned directory (the volume, in a container).
    const node = new Node(label, this.bundle, {
      ...await this.nodeEnv(postgresOwnedTempDir(`pg-ha-init-${label}-`)),
      REPLICATION_ROLE: 'replica',
      PRIMARY_HOST: '127.0.0.1',
      PRIMARY_PORT: String(primary.port),
      REPLICA_NAME: label,
      REPLICATION_PASSWORD_FILE: this.secret(`${label}-replication`, password, 'postgres'),
      HA_CONFIG_DIR: this.bundle.configDir('replica'),
      ...env,
    }, false);
    this.nodes.push(node);
    return node;
  }

  /** What every node's environment starts with; PGDATA is `data` below `parent`, which the lab removes. */
  private async nodeEnv(parent: string): Promise<Env> {
    this.track(parent);
    return { PATH, HOME, LANG: 'C.UTF-8', PGDATA: join(parent, 'data'), PGPORT: String(await freePort()), HA_MODE: 'native' };
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    // Replicas first: a primary's fast shutdown waits for its walsenders.
    const ordered = [...this.nodes].sort((a, b) => Number(a.asRoot) - Number(b.asRoot));
    const failures: unknown[] = [];
    for (const node of ordered) {
      try { await node.stop(); } catch (error) { failures.push(error); }
    }
    for (const node of this.nodes) {
      for (const run of node.runs) assert.equal(groupMembers(run.pid).length, 0, `${run.label} left processes behind`);
    }
    for (const dir of this.cleanup) rmSync(dir, { recursive: true, force: true });
    if (failures.length > 0) throw failures[0];
  }
}

/** Watches every process's argv (/proc/PID/cmdline) for secrets while it runs. */
export class ArgvWatcher {
  readonly hits: string[] = [];
  readonly seen = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly secrets: string[], everyMs = 20) {
    this.scan();
    this.timer = setInterval(() => this.scan(), everyMs);
  }

  scan(): void {
    const needles = this.secrets.map((s) => Buffer.from(s, 'utf8'));
    for (const pid of pids()) {
      let cmdline: Buffer;
      try { cmdline = readFileSync(`/proc/${pid}/cmdline`); } catch { continue; }
      const text = cmdline.toString('utf8').replaceAll('\0', ' ');
      this.seen.add(text.split(' ')[0]?.split('/').pop() ?? '');
      if (needles.some((needle) => cmdline.includes(needle))) this.hits.push(`${pid}: ${text}`);
    }
  }

  stop(): string[] {
    clearInterval(this.timer);
    this.scan();
    return this.hits;
  }
}

export function assertNoSecret(text: string, secrets: string[], where: string): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret appears in ${where}`);
}

export async function waitStreaming(primary: Node, replicaName: string): Promise<void> {
  await waitFor(async () => (await primary.sql(
    `SELECT state FROM pg_stat_replication WHERE application_name = '${replicaName}'`)) === 'streaming',
  30_000, `${replicaName} streaming from ${primary.label}`);
}

export async function waitRow(node: Node, query: string, expected: string): Promise<void> {
  await waitFor(async () => (await node.sql(query).catch(() => '')) === expected, 30_000, `${node.label}: ${query} = ${expected}`);
}

export function managedBlockCount(pgdata: string): number {
  return readFileSync(join(pgdata, 'postgresql.conf'), 'utf8').split('\n').filter((l) => l === '# BEGIN pg-ha-init').length;
}


/**
 * For a test file's after(): no process may outlive its servers (a postmaster works in PGDATA),
 * then the shared HOME goes.
 */
export function assertNoProcessLeftBehind(): void {
  const leftovers = pids().filter((pid) => {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      return [...ourDirs].some((dir) => cwd.startsWith(dir));
    } catch {
      return false;
    }
  });
  assert.deepEqual(leftovers, [], 'processes left running in a test directory');
  rmSync(HOME, { recursive: true, force: true });
}
