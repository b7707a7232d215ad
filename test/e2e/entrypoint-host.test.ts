// The bundled entrypoint on real PostgreSQL binaries, on loopback: a primary started as root (it
// must drop to postgres itself), replicas started as postgres, and the faults an operator meets:
// restarts, a replica that starts before its primary, an interrupted clone, a PGDATA that is not
// a cluster, a replica restarted without HA_MODE, and passwords that broke other tools.
// Every server is stopped even when a test fails (t.after), and no process is left behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync,
  realpathSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { asPostgres, giveToPostgres, isRoot, PG_BIN, postgresOwnedTempDir } from '../support/as-postgres.js';
import { makeHostBundle, type HostBundle } from '../support/bundle.js';
import { freePort } from '../support/ports.js';

const execFileP = promisify(execFile);
const PATH = `${PG_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
const HOME = postgresOwnedTempDir('pg-ha-init-home-');
chmodSync(HOME, 0o755);
/** Every directory this file creates; the final check looks for processes working in them. */
const ourDirs = new Set<string>([HOME]);

// ---------------------------------------------------------------------------------- processes

/** One run of entrypoint.sh; after the exec its PID is the postmaster's. */
class Run {
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
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => { timer = setTimeout(resolve, ms); })]);
  clearTimeout(timer);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try { process.kill(pid, name); } catch { /* already gone */ }
}

function procStat(pid: string | number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

function comm(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

function pids(): string[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name));
}

function groupMembers(pgid: number): string[] {
  return pids().filter((pid) => { const s = procStat(pid); return s !== undefined && s.pgrp === pgid && s.state !== 'Z'; });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
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
async function stopStrayPostmaster(pgdata: string): Promise<void> {
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

type Env = Record<string, string>;

/** A primary, replica or standalone node: its bundle, environment and current entrypoint run. */
class Node {
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
    const env: Env = { PATH, PGPORT: String(this.port), POSTGRES_USER: 'postgres', ...overrides };
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
  async sql(query: string): Promise<string> {
    const { stdout } = await execFileP(join(PG_BIN, 'psql'),
      ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-p', String(this.port), '-U', 'postgres', '-d', 'postgres', '-c', query],
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
class Lab {
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

  /** A 0600 secret file, owned by root (only the root-started entrypoint can read it) or postgres. */
  secret(name: string, value: string, owner: 'root' | 'postgres'): string {
    const path = join(this.secretDir, name);
    writeFileSync(path, value, { mode: 0o600 });
    if (owner === 'postgres') giveToPostgres(path);
    return path;
  }

  async primary(label: string, password: string, options: { superPassword?: string; env?: Env } = {}): Promise<Node> {
    // Root-owned parent: the entrypoint, started as root, must create PGDATA and chown the parent.
    const parent = mkdtempSync(join(tmpdir(), `pg-ha-init-${label}-`));
    ourDirs.add(parent);
    this.cleanup.push(parent);
    const node = new Node(label, this.bundle, {
      PATH, HOME, LANG: 'C.UTF-8',
      PGDATA: join(parent, 'data'),
      PGPORT: String(await freePort()),
      HA_MODE: 'native',
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
    const parent = postgresOwnedTempDir(`pg-ha-init-${label}-`);
    ourDirs.add(parent);
    this.cleanup.push(parent);
    const node = new Node(label, this.bundle, {
      PATH, HOME, LANG: 'C.UTF-8',
      PGDATA: join(parent, 'data'),
      PGPORT: String(await freePort()),
      HA_MODE: 'native',
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
class ArgvWatcher {
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

function assertNoSecret(text: string, secrets: string[], where: string): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret appears in ${where}`);
}

async function waitStreaming(primary: Node, replicaName: string): Promise<void> {
  await waitFor(async () => (await primary.sql(
    `SELECT state FROM pg_stat_replication WHERE application_name = '${replicaName}'`)) === 'streaming',
  30_000, `${replicaName} streaming from ${primary.label}`);
}

async function waitRow(node: Node, query: string, expected: string): Promise<void> {
  await waitFor(async () => (await node.sql(query).catch(() => '')) === expected, 30_000, `${node.label}: ${query} = ${expected}`);
}

function managedBlockCount(pgdata: string): number {
  return readFileSync(join(pgdata, 'postgresql.conf'), 'utf8').split('\n').filter((l) => l === '# BEGIN pg-ha-init').length;
}

// ---------------------------------------------------------------------------------- tests

const PASSWORD = `a' b"c$d\\e\`f#g:h&i=j%k@l/m n`;

test('primary (as root) and replica (as postgres) stream; restart, convergence, refusal', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t);
  // The primary logs every statement, twice over: the password must still not appear.
  appendFileSync(join(lab.bundle.configDir('primary'), 'postgresql.conf'),
    "log_statement = 'all'\nlog_min_duration_statement = 0\nlog_connections = on\n");
  const superPassword = 'su-$(id)-"quoted"';
  const secrets = [PASSWORD, superPassword];
  const watcher = new ArgvWatcher(secrets);
  const primary = await lab.primary('primary', PASSWORD, { superPassword });
  const replica = await lab.replica('replica_one', primary, PASSWORD);

  const started = Date.now();
  primary.start();
  await primary.waitHealthy();
  await primary.sql("CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'before the clone')");
  replica.start();
  await replica.waitHealthy();
  t.diagnostic(`primary start to replica healthy: ${Date.now() - started} ms`);

  await t.test('the replica streams through its slot and serves the data read-only', async () => {
    await waitStreaming(primary, 'replica_one');
    assert.equal(await primary.sql("SELECT slot_type || ' ' || active FROM pg_replication_slots WHERE slot_name = 'replica_one'"), 'physical true');
    assert.equal(await replica.sql('SELECT pg_is_in_recovery()'), 't');
    await primary.sql("INSERT INTO notes VALUES (2, 'after the clone')");
    await waitRow(replica, 'SELECT body FROM notes WHERE id = 2', 'after the clone');
    assert.match(await replica.sqlError("INSERT INTO notes VALUES (3, 'no')"), /cannot execute INSERT in a read-only transaction/);
  });

  await t.test('the entrypoint dropped to postgres and exec-ed the server with no secret in its environment', () => {
    const run = primary.run!;
    assert.equal(comm(run.pid), 'postgres');
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${run.pid}/status`, 'utf8'))?.[1];
    assert.equal(uid, String(statSync(primary.pgdata).uid));
    assert.notEqual(uid, '0');
    for (const node of [primary, replica]) {
      const environ = readFileSync(`/proc/${node.run!.pid}/environ`).toString('utf8');
      assertNoSecret(environ, secrets, `${node.label}'s server environment`);
      assert.doesNotMatch(environ, /(REPLICATION|POSTGRES)_PASSWORD/);
    }
  });

  await t.test('the reviewed pg_hba fragment is the pg_hba in force, via an absolute hba_file', async () => {
    for (const node of [primary, replica]) {
      assert.equal(await node.sql('SHOW hba_file'), join(node.pgdata, 'pg-ha-init.hba.conf'));
      assert.equal(managedBlockCount(node.pgdata), 1);
      assert.match(readFileSync(join(node.pgdata, 'postgresql.conf'), 'utf8'), /# END pg-ha-init\n$/);
      assert.equal(statSync(join(node.pgdata, 'pg-ha-init.hba.conf')).mode & 0o777, 0o600);
    }
    // initdb's pg_hba.conf would let the superuser replicate from loopback; the fragment does not.
    const rejected = await execFileP(join(PG_BIN, 'pg_basebackup'), ['-D', join(lab.root, 'never'), '-w'], {
      env: { PATH, PGHOST: '127.0.0.1', PGPORT: String(primary.port), PGUSER: 'postgres', PGPASSWORD: superPassword },
    }).then(() => '', (error: { stderr?: string }) => error.stderr ?? '');
    assert.match(rejected, /no pg_hba\.conf entry for replication connection/);
    // The superuser password went through initdb --pwfile intact.
    const { stdout } = await execFileP(join(PG_BIN, 'psql'), ['-XAtc', 'SELECT current_user'], {
      env: { PATH, PGHOST: '127.0.0.1', PGPORT: String(primary.port), PGUSER: 'postgres', PGDATABASE: 'postgres', PGPASSWORD: superPassword },
    });
    assert.equal(stdout.trim(), 'postgres');
  });

  await t.test('primary_conninfo names the replica and stays private', () => {
    const autoConf = join(replica.pgdata, 'postgresql.auto.conf');
    const text = readFileSync(autoConf, 'utf8');
    assert.match(text, /^primary_conninfo = '.*application_name=(?:'')?replica_one(?:'')?.*'$/m);
    assert.match(text, /^primary_slot_name = 'replica_one'$/m);
    assert.equal(statSync(autoConf).mode & 0o777, 0o600);
  });

  await t.test('no secret in argv, in the entrypoints\' output or in the primary\'s server log', () => {
    assert.deepEqual(watcher.stop(), []);
    for (const run of [primary.run!, replica.run!]) assertNoSecret(run.stdout + run.stderr, secrets, `${run.label}'s output`);
    // The temporary server logged the session's first statement, so the logging was in force.
    assert.match(primary.run!.stderr, /statement: SET log_statement = 'none'/);
    assert.match(primary.run!.stderr, /duration: [\d.]+ ms +statement: SET log_min_error_statement = 'panic'/);
  });

  await t.test('a restarted replica keeps its data directory and resumes streaming', async () => {
    const marker = join(replica.pgdata, 'pg-ha-init-test-marker');
    writeFileSync(marker, 'kept');
    giveToPostgres(marker);
    const systemId = await replica.sql('SELECT system_identifier FROM pg_control_system()');
    const run = await replica.restart();
    await replica.waitHealthy();
    assert.ok(existsSync(marker), 'PGDATA was replaced');
    assert.equal(await replica.sql('SELECT system_identifier FROM pg_control_system()'), systemId);
    assert.match(run.stderr, /assuming a valid replica/);
    assert.doesNotMatch(run.stderr, /cloning the primary/);
    await waitStreaming(primary, 'replica_one');
    await primary.sql("INSERT INTO notes VALUES (4, 'after the replica restart')");
    await waitRow(replica, 'SELECT body FROM notes WHERE id = 4', 'after the replica restart');
  });

  await t.test('a restarted primary re-applies the role (ALTER path) and the replica reconnects', async () => {
    const run = await primary.restart();
    await primary.waitHealthy();
    assert.match(run.stderr, /skipping initialisation/);
    assert.equal(managedBlockCount(primary.pgdata), 1);
    await waitStreaming(primary, 'replica_one');
    await primary.sql("INSERT INTO notes VALUES (5, 'after the primary restart')");
    await waitRow(replica, 'SELECT body FROM notes WHERE id = 5', 'after the primary restart');
    assertNoSecret(run.stdout + run.stderr, secrets, 'the restarted primary\'s output');
  });

  await t.test('a rotated password and a new PRIMARY_HOST reach the replica with a restart, no re-clone', async () => {
    const rotated = `rotated-${PASSWORD}`;
    // The primary converges the role's password on every start.
    await primary.restart({ REPLICATION_PASSWORD_FILE: lab.secret('primary-replication-rotated', rotated, 'root') });
    await primary.waitHealthy();
    const systemId = await replica.sql('SELECT system_identifier FROM pg_control_system()');
    // The same server under another name (this machine's /etc/hosts maps localhost to 127.0.0.1
    // only, where the test servers listen): sender_host proves primary_conninfo followed the env.
    const run = await replica.restart({ REPLICATION_PASSWORD_FILE: lab.secret('replica-rotated', rotated, 'postgres'), PRIMARY_HOST: 'localhost' });
    await replica.waitHealthy();
    assert.doesNotMatch(run.stderr, /cloning the primary/);
    assert.equal(await replica.sql('SELECT system_identifier FROM pg_control_system()'), systemId);
    await waitFor(async () => (await replica.sql('SELECT sender_host FROM pg_stat_wal_receiver')) === 'localhost', 30_000, 'the replica streams from localhost');
    const autoConf = readFileSync(join(replica.pgdata, 'postgresql.auto.conf'), 'utf8');
    assert.equal(autoConf.split('\n').filter((l) => l.startsWith('primary_conninfo')).length, 1);
    assert.equal(statSync(join(replica.pgdata, 'postgresql.auto.conf')).mode & 0o777, 0o600);
    await waitStreaming(primary, 'replica_one');
    await primary.sql("INSERT INTO notes VALUES (6, 'after the rotation')");
    await waitRow(replica, 'SELECT body FROM notes WHERE id = 6', 'after the rotation');
    assertNoSecret(run.stdout + run.stderr, [rotated], 'the restarted replica\'s output');
  });

  await t.test('restarted without HA_MODE, the replica drops standby.signal loudly and runs read-write', async () => {
    const run = await replica.restart({ HA_MODE: undefined });
    await replica.waitHealthy(60_000, { HA_MODE: '' });
    assert.ok(!existsSync(join(replica.pgdata, 'standby.signal')));
    assert.match(run.stderr, /\*{20,}/);
    assert.match(run.stderr, /STANDALONE, READ-WRITE/);
    assert.equal(await replica.sql('SELECT pg_is_in_recovery()'), 'f');
    await replica.sql("INSERT INTO notes VALUES (100, 'written on the former replica')");
  });

  await t.test('started as a replica again, it refuses: the cluster has no standby.signal', async () => {
    const run = await replica.restart();
    await run.exited;
    assert.equal(run.exitCode, 1, run.output);
    assert.match(run.stderr, /without standby\.signal/);
    assert.ok(existsSync(join(replica.pgdata, 'PG_VERSION')));
    assert.ok(existsSync(join(replica.pgdata, 'pg-ha-init-test-marker')));
  });
});

test('a replica started before its primary waits, then clones', { timeout: 120_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('late_primary', PASSWORD);
  const replica = await lab.replica('early_replica', primary, PASSWORD, { PRIMARY_WAIT_TIMEOUT: '60' });
  const started = Date.now();
  const run = replica.start();
  await delay(3_000);
  assert.ok(run.running, run.output);
  assert.ok(!existsSync(join(replica.pgdata, 'PG_VERSION')));
  assert.match(run.stderr, /primary not ready for cloning yet; retrying/);
  primary.start();
  await replica.waitHealthy(60_000);
  t.diagnostic(`replica healthy ${Date.now() - started} ms after it started (primary started at 3000 ms)`);
  await waitStreaming(primary, 'early_replica');
});

test('an interrupted clone leaves no valid PGDATA, and a restart re-clones', { timeout: 240_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('big_primary', PASSWORD);
  primary.start();
  await primary.waitHealthy();
  // ~230 MB of rows stored uncompressed, so the base backup lasts long enough to be interrupted.
  await primary.sql("CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 32) AS filler FROM generate_series(1, 200000) g");
  const replica = await lab.replica('interrupted', primary, PASSWORD);
  const staging = join(replica.pgdata, '..', '.data.clone');
  const watcher = new ArgvWatcher([PASSWORD], 10);

  const first = replica.start();
  // Kill the whole entrypoint (bash, pg_basebackup and its WAL streamer) once data is being copied.
  await waitFor(() => {
    if (!first.running) return true;
    const copying = groupMembers(first.pid).some((pid) => comm(Number(pid)) === 'pg_basebackup') && existsSync(join(staging, 'base'));
    if (copying) signal(-first.pid, 'SIGKILL');
    return copying;
  }, 60_000, 'pg_basebackup copying into the staging directory', 5);
  await first.kill();
  assert.doesNotMatch(first.stderr, /clone complete/, `the clone finished before it could be interrupted\n${first.output}`);
  assert.ok(existsSync(staging), 'the interrupted clone should have left its staging directory');
  assert.ok(!existsSync(join(replica.pgdata, 'PG_VERSION')), 'an interrupted clone left a PGDATA that looks valid');
  assert.equal(await primary.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'interrupted'"), '1');

  const second = replica.start();
  await replica.waitHealthy(120_000);
  t.diagnostic(`after the interrupted clone: ${second.stderr.split('\n').filter((l) => /^(pg-ha-init|pg_basebackup|pg_receivewal)/.test(l)).join(' | ')}`);
  assert.match(second.stderr, /removing .*\.data\.clone, left over from an interrupted attempt/);
  assert.ok(!existsSync(staging));
  await waitStreaming(primary, 'interrupted');
  assert.equal(await replica.sql('SELECT count(*) FROM big'), '200000');
  assert.ok(watcher.seen.has('pg_basebackup'), 'the argv watcher never saw pg_basebackup running');
  assert.deepEqual(watcher.stop(), []);
  assertNoSecret(first.stdout + first.stderr + second.stdout + second.stderr, [PASSWORD], 'the replica\'s output');
});

test('a slot still held by an earlier connection is reused once it is free', { timeout: 120_000 }, async (t) => {
  // After an interrupted clone the primary may keep the slot active until its walsender notices.
  // Stand-in for that walsender: pg_receivewal streaming through the replica's slot.
  const lab = new Lab(t);
  const primary = await lab.primary('slot_primary', PASSWORD);
  primary.start();
  await primary.waitHealthy();
  const clientEnv = { PATH, PGHOST: '127.0.0.1', PGPORT: String(primary.port), PGUSER: 'replicator', PGPASSWORD: PASSWORD };
  await execFileP(join(PG_BIN, 'pg_receivewal'), ['--create-slot', '--slot=held_slot'], { env: clientEnv });
  const walDir = join(lab.root, 'held-wal');
  mkdirSync(walDir);
  const holder = new Run('holder', join(PG_BIN, 'pg_receivewal'), ['-D', walDir, '--slot=held_slot', '--no-loop'], clientEnv);
  t.after(() => holder.kill());
  await waitFor(async () => (await primary.sql("SELECT active FROM pg_replication_slots WHERE slot_name = 'held_slot'")) === 't',
    10_000, 'the holder to take the slot');

  const replica = await lab.replica('held_slot', primary, PASSWORD);
  const run = replica.start();
  await waitFor(() => /retrying/.test(run.stderr) || !run.running, 30_000, 'the replica to retry');
  assert.match(run.stderr, /replication slot "held_slot" is active/, run.output);
  assert.ok(!existsSync(join(replica.pgdata, '..', '.data.clone')), 'a failed attempt left its staging directory');
  await holder.kill();
  await replica.waitHealthy(60_000);
  await waitStreaming(primary, 'held_slot');
  assert.equal(await primary.sql('SELECT count(*) FROM pg_replication_slots'), '1');
});

test('a replica with the wrong password gives up after PRIMARY_WAIT_TIMEOUT, clearly', { timeout: 60_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('auth_primary', PASSWORD);
  primary.start();
  await primary.waitHealthy();
  const wrong = 'not-the-password-7c1f';
  const replica = await lab.replica('wrong_password', primary, wrong, { PRIMARY_WAIT_TIMEOUT: '4' });
  const run = replica.start();
  await settledWithin(run.exited, 30_000);
  assert.equal(run.exitCode, 1, run.output);
  assert.match(run.stderr, /password authentication failed for user "replicator"/);
  assert.match(run.stderr, /could not clone the primary at 127\.0\.0\.1:\d+ within PRIMARY_WAIT_TIMEOUT=4s/);
  assert.ok(!existsSync(replica.pgdata) || readdirSync(replica.pgdata).length === 0);
  assert.ok(!existsSync(join(replica.pgdata, '..', '.data.clone')));
  assertNoSecret(run.stdout + run.stderr, [wrong, PASSWORD], 'the replica\'s output');
});

test('a replica re-declared REPLICATION_ROLE=primary leaves recovery loudly and serves writes', { timeout: 90_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('old_primary', PASSWORD);
  const replica = await lab.replica('promoted', primary, PASSWORD);
  primary.start();
  await primary.waitHealthy();
  replica.start();
  await replica.waitHealthy();
  await primary.stop();
  // The operator's failover: the old primary is gone, this node is now declared the primary.
  const run = await replica.restart({ REPLICATION_ROLE: 'primary', PRIMARY_HOST: undefined, REPLICA_NAME: undefined });
  await replica.waitHealthy(60_000, { REPLICATION_ROLE: 'primary' });
  assert.match(run.stderr, /REPLICATION_ROLE=primary, but PGDATA .* holds standby\.signal/);
  assert.match(run.stderr, /ensuring role replicator/);
  assert.ok(!existsSync(join(replica.pgdata, 'standby.signal')));
  assert.equal(await replica.sql('SELECT pg_is_in_recovery()'), 'f');
  await replica.sql('CREATE TABLE after_failover AS SELECT 1 AS x');
});

test('a non-empty PGDATA that is not a cluster is refused and left untouched', { timeout: 60_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('junk_primary', PASSWORD);
  const replica = await lab.replica('junk_replica', primary, PASSWORD);
  for (const node of [replica, primary]) {
    mkdirSync(node.pgdata, { recursive: true });
    writeFileSync(join(node.pgdata, 'notes.txt'), 'keep me');
    giveToPostgres(node.pgdata);
    const run = node.start();
    await run.exited;
    assert.equal(run.exitCode, 1, run.output);
    assert.ok(run.stderr.includes(`PGDATA (${node.pgdata}) is not empty but holds no PostgreSQL cluster`), run.output);
    assert.deepEqual(readdirSync(node.pgdata), ['notes.txt']);
    assert.equal(readFileSync(join(node.pgdata, 'notes.txt'), 'utf8'), 'keep me');
  }
});

test('a PGDATA that is itself a mount point is refused: a finished clone could not be renamed onto it', { timeout: 60_000 }, async (t) => {
  // A real mount (tmpfs) at PGDATA, as when a volume is mounted at PGDATA instead of above it.
  assert.equal(process.getuid?.(), 0, 'this test mounts a tmpfs and must run as root (CI does)');
  const lab = new Lab(t);
  const primary = await lab.primary('mounted_primary', PASSWORD);
  const replica = await lab.replica('mounted_replica', primary, PASSWORD, { PRIMARY_WAIT_TIMEOUT: '5' });
  for (const node of [replica, primary]) {
    mkdirSync(node.pgdata, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', node.pgdata]);
    // Unmounted here, not in an after hook: the lab's teardown (registered first) removes the dir.
    try {
      giveToPostgres(node.pgdata);
      const run = node.start();
      await run.exited;
      assert.equal(run.exitCode, 1, run.output);
      assert.ok(run.stderr.includes(`PGDATA (${node.pgdata}) is a mount point; set PGDATA to a subdirectory of the volume`), run.output);
      assert.deepEqual(readdirSync(node.pgdata), [], 'nothing was written into the mount');
    } finally {
      execFileSync('umount', [node.pgdata]);
    }
  }
});

test('standalone (no HA_MODE): official-image semantics for users, database and initdb args', { timeout: 60_000 }, async (t) => {
  const lab = new Lab(t);
  const node = await lab.primary('standalone', PASSWORD, {
    superPassword: 'owner-secret',
    env: { POSTGRES_USER: 'app_owner', POSTGRES_DB: 'app.db', POSTGRES_INITDB_ARGS: '--data-checksums --encoding=UTF8' },
  });
  delete node.env.HA_MODE;
  delete node.env.REPLICATION_ROLE;
  delete node.env.REPLICATION_PASSWORD_FILE;
  node.env.HA_CONFIG_DIR = join(lab.root, 'no-such-config');
  const run = node.start();
  await node.waitHealthy();
  assert.match(run.stderr, /no configuration fragments in HA_CONFIG_DIR/);
  assert.ok(!existsSync(join(node.pgdata, 'pg-ha-init.conf')));
  const query = async (sql: string, db = 'postgres'): Promise<string> => (await execFileP(join(PG_BIN, 'psql'),
    ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { env: { PATH, PGHOST: '127.0.0.1', PGPORT: String(node.port), PGUSER: 'app_owner', PGDATABASE: db, PGPASSWORD: 'owner-secret' } })).stdout.trim();
  assert.equal(await query('SELECT current_database()', 'app.db'), 'app.db');
  assert.equal(await query('SHOW data_checksums'), 'on');
  assert.equal(await query("SELECT count(*) FROM pg_roles WHERE rolname = 'replicator'"), '0');
});

const HOSTILE: { name: string; password: string; user?: string }[] = [
  { name: 'quotes_and_shell', password: PASSWORD },
  { name: 'leading_dash', password: '-W --password=x -c log_statement=all' },
  { name: 'dollar_brace', password: '${HOME}$(id)`id`' },
  { name: 'non_ascii', password: 'pässwörd-密码-🔑-ünï', user: 'réplicateur' },
  {
    name: 'hundred_chars',
    password: Array.from({ length: 100 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 94))).join(''),
  },
];

test('hostile passwords replicate for real (a fresh pair each)', { timeout: 240_000 }, async (t) => {
  assert.equal(HOSTILE[4]?.password.length, 100);
  // Two pairs at a time: quick on two cores, and each pair stays independent.
  const queue = [...HOSTILE];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { name, password, user } = item;
      const started = Date.now();
      const lab = new Lab(t, user ?? 'replicator');
      const watcher = new ArgvWatcher([password]);
      const env: Env = user ? { REPLICATION_USER: user } : {};
      const primary = await lab.primary(`${name}_p`, password, { superPassword: password, env });
      const replica = await lab.replica(`${name}_r`, primary, password, env);
      primary.start();
      replica.start();
      await primary.waitHealthy();
      await primary.sql(`CREATE TABLE probe AS SELECT '${name}'::text AS v`);
      await replica.waitHealthy(60_000);
      await waitStreaming(primary, `${name}_r`);
      await waitRow(replica, 'SELECT v FROM probe', name);
      const { stdout } = await execFileP(join(PG_BIN, 'psql'), ['-XAtc', 'SELECT 1'], {
        env: { PATH, PGHOST: '127.0.0.1', PGPORT: String(primary.port), PGUSER: 'postgres', PGDATABASE: 'postgres', PGPASSWORD: password },
      });
      assert.equal(stdout.trim(), '1', `${name}: superuser password`);
      assert.deepEqual(watcher.stop(), [], `${name}: password in argv`);
      for (const run of [primary.run!, replica.run!]) assertNoSecret(run.stdout + run.stderr, [password], `${name}: ${run.label}'s output`);
      t.diagnostic(`${name}: pair streaming after ${Date.now() - started} ms`);
      await lab.teardown();
    }
  };
  await Promise.all([worker(), worker()]);
});

after(() => {
  // Belt and braces: no process may outlive this file's servers (a postmaster works in PGDATA).
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
});
