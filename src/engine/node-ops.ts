// What the day-2 commands do to a bundle's nodes through the compose engine, with no password on
// any command line and nothing started that was not asked for:
// - a running node: `<compose> exec -T <service> …` (psql over the container's local socket);
// - a stopped node's files (pg_controldata, pg_waldump, standby.signal, WAL, pg_rewind, moving
//   PGDATA aside): a one-off container of the same service, `<compose> run --rm --no-deps -T
//   --user postgres --entrypoint bash <service> -c SCRIPT`, which mounts the same volume, reads
//   PGDATA from the service's env file and starts no other service;
// - the services themselves: stop, start, restart, up --no-deps, rm.
// Works with Compose v2 (`docker compose`) and v1 (`docker-compose` 1.29): only flags both take.
import type { Engine } from './engine.js';
import { capture, type Captured } from './exec.js';

export interface NodeOpsOptions {
  /** The bundle's directory: compose finds compose.yaml (and, by default, the project name) there. */
  dir: string;
  /** `-p NAME`; otherwise Compose's own rule (COMPOSE_PROJECT_NAME, else the directory's name). */
  projectName?: string;
  /** Merged over process.env for every compose process. */
  env?: NodeJS.ProcessEnv;
}

export interface OneOffOptions {
  /**
   * Variables given to the one-off container by name only (`-e NAME`): Compose copies the value
   * from its own environment, so a password is in no argv. The values go in `values`.
   */
  passNames?: readonly string[];
  values?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

// A stopped postgres needs up to its stop_grace_period (60 s) plus the engine's own time.
const STOP_TIMEOUT_MS = 120_000;
const ONE_OFF_TIMEOUT_MS = 120_000;


/** pg_controldata, a `--- waldump` line, then the end of pg_waldump from the latest checkpoint. */
export const CONTROLDATA_AND_WAL_END = [
  'pg_controldata -D "$PGDATA"',
  'echo "--- waldump"',
  'tli=$(pg_controldata -D "$PGDATA" | sed -n "s/^Latest checkpoint.s TimeLineID: *//p")',
  'lsn=$(pg_controldata -D "$PGDATA" | sed -n "s/^Latest checkpoint location: *//p")',
  'pg_waldump -q -p "$PGDATA/pg_wal" -t "$tli" -s "$lsn" 2>&1 | tail -n 3 || true',
].join('\n');

export class NodeOps {
  constructor(readonly engine: Engine, readonly options: NodeOpsOptions) {}

  /** argv of a compose command (without the program), for running and for "run this by hand". */
  composeArgs(args: readonly string[]): string[] {
    const [, ...prefix] = this.engine.compose;
    return [...prefix, ...(this.options.projectName ? ['-p', this.options.projectName] : []), ...args];
  }

  /** The command line as a user types it in the bundle's directory. */
  byHand(args: readonly string[]): string {
    const words = [this.engine.compose[0], ...this.composeArgs(args)];
    return words.map((w) => (/^[A-Za-z0-9_./:=@%+,-]+$/u.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
  }

  async compose(args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Captured> {
    return capture(this.engine.compose[0], this.composeArgs(args), {
      cwd: this.options.dir, env: { ...this.options.env, ...options.env }, timeoutMs: options.timeoutMs ?? 60_000,
    });
  }

  /**
   * `bash -c SCRIPT _ ARGS…` in a one-off container of `service` as the postgres user. The script
   * sees PGDATA from the service's env file, and LC_ALL=C (pg_controldata's labels).
   */
  oneOff(service: string, script: string, args: readonly string[] = [], options: OneOffOptions = {}): Promise<Captured> {
    const pass = (options.passNames ?? []).flatMap((name) => ['-e', name]);
    return this.compose(
      ['run', '--rm', '--no-deps', '-T', '--user', 'postgres', '-e', 'LC_ALL=C', ...pass, '--entrypoint', 'bash', service,
        '-c', `set -Eeuo pipefail\n${script}`, 'pg-ha-init', ...args],
      { timeoutMs: options.timeoutMs ?? ONE_OFF_TIMEOUT_MS, env: options.values },
    );
  }

  /** pg_controldata of the stopped node (LC_ALL=C). */
  controldata(service: string): Promise<Captured> {
    return this.oneOff(service, 'pg_controldata -D "$PGDATA"');
  }

  /**
   * pg_controldata, then a line `--- waldump`, then pg_waldump from the latest checkpoint (its last
   * error line says where WAL ends): one container instead of two, while writes wait.
   */
  controldataAndWalEnd(service: string): Promise<Captured> {
    return this.oneOff(service, CONTROLDATA_AND_WAL_END);
  }

  /** A file below PGDATA. */
  readFile(service: string, path: string): Promise<Captured> {
    return this.oneOff(service, 'cat -- "$PGDATA/$1"', [path]);
  }

  /** pg_waldump from `start` on `timeline` (LC_ALL=C); it exits non-zero at the end of WAL. */
  waldump(service: string, timeline: number, start: string): Promise<Captured> {
    return this.oneOff(service, 'pg_waldump -q -p "$PGDATA/pg_wal" -t "$1" -s "$2" 2>&1 | tail -n 3 || true', [String(timeline), start]);
  }

  /** Make the stopped node start as a standby (recovery_target_timeline defaults to latest). */
  writeStandbySignal(service: string): Promise<Captured> {
    return this.oneOff(service, 'test -s "$PGDATA/PG_VERSION"\n: >"$PGDATA/standby.signal"');
  }

  /** The WAL segment and history files of the stopped node. */
  listWal(service: string): Promise<Captured> {
    return this.oneOff(service, 'ls -1 -- "$PGDATA/pg_wal"');
  }

  /**
   * Copy WAL files aside, beside PGDATA in the same volume (`<PGDATA>.diverged-<stamp>/`), with a
   * note of why: the record of writes a rewind is about to discard.
   */
  copyWalAside(service: string, files: readonly string[], stamp: string, note: string): Promise<Captured> {
    return this.oneOff(service, [
      'dest="$PGDATA.diverged-$1"; note="$2"; shift 2',
      'mkdir -p -- "$dest"',
      'printf "%s\\n" "$note" >"$dest/README"',
      'for f in "$@"; do if [[ -f "$PGDATA/pg_wal/$f" ]]; then cp -p -- "$PGDATA/pg_wal/$f" "$dest/"; fi; done',
      'echo "$dest"',
    ].join('\n'), [stamp, note, ...files]);
  }

  /**
   * pg_rewind of the stopped node from `sourceConninfo` (no password in it): the superuser's
   * password goes to the one-off container as PGPASSWORD by name, its value only in this compose
   * process's environment.
   */
  rewind(service: string, sourceConninfo: string, password: string): Promise<Captured> {
    // A crashed node's postmaster.pid names PID 1 (postgres was PID 1 in its own container). The
    // single-user crash recovery pg_rewind runs first (pg_rewind -> sh -> postgres) finds PID 1
    // alive (this one-off's first process) and refuses: "lock file postmaster.pid already exists".
    // pg_rewind is made PID 1 and named as the server's grandparent (PG_GRANDPARENT_PID, as pg_ctl
    // does), so the server knows that PID is not another postmaster. The node's own container is
    // stopped before any rewind, so no other postmaster can hold the lock.
    //
    // A crashed node's crash recovery is run here first, as pg_rewind would run it, but keeping
    // every WAL segment (wal_keep_size at its maximum): its end-of-recovery checkpoint otherwise
    // removes the segments older than wal_keep_size before the end, and pg_rewind then cannot read
    // back from the fork to the last shared checkpoint ("could not open file …/pg_wal/…41",
    // bench/rejoin-vs-reclone.ts, a checkpoint record 245 MB before the fork). bash is PID 1 and
    // the server's parent here, so it too takes the stale postmaster.pid for what it is.
    return this.oneOff(service, [
      'export PG_GRANDPARENT_PID=1',
      'state=$(pg_controldata -D "$PGDATA" | sed -n "s/^Database cluster state: *//p")',
      'case "$state" in',
      '  "shut down" | "shut down in recovery") ;;',
      '  *) postgres --single -F -D "$PGDATA" -c wal_keep_size=2147483647 template1 </dev/null ;;',
      'esac',
      'exec pg_rewind --target-pgdata="$PGDATA" --source-server="$1" --progress',
    ].join('\n'), [sourceConninfo],
      { passNames: ['PGPASSWORD'], values: { PGPASSWORD: password }, timeoutMs: 3_600_000 });
  }

  /** Rename PGDATA to `<PGDATA>.failed-<stamp>` (never delete): the next start clones afresh. */
  movePgdataAside(service: string, stamp: string): Promise<Captured> {
    return this.oneOff(service, 'test -d "$PGDATA"\nmv -- "$PGDATA" "$PGDATA.failed-$1"\necho "$PGDATA.failed-$1"', [stamp]);
  }

  stop(service: string): Promise<Captured> {
    return this.compose(['stop', '-t', '60', service], { timeoutMs: STOP_TIMEOUT_MS });
  }

  /** Start the existing container: the entrypoint reads the node's env file, so no recreation is needed. */
  start(service: string): Promise<Captured> {
    return this.compose(['start', service], { timeoutMs: STOP_TIMEOUT_MS });
  }

  /** Restart one service only (v2 would restart its dependencies too without --no-deps; v1 never does). */
  restart(service: string): Promise<Captured> {
    const noDeps = this.engine.kind === 'compose-v2' ? ['--no-deps'] : [];
    return this.compose(['restart', ...noDeps, '-t', '60', service], { timeoutMs: STOP_TIMEOUT_MS });
  }

  upNoDeps(service: string): Promise<Captured> {
    return this.compose(['up', '-d', '--no-deps', service], { timeoutMs: STOP_TIMEOUT_MS });
  }

  rm(service: string): Promise<Captured> {
    return this.compose(['rm', '-f', '-s', service], { timeoutMs: STOP_TIMEOUT_MS });
  }

  // ---- The write-stopped window of a switchover: the engine's own CLI on container ids taken
  // before the stop. A compose command costs a project load each time (docker-compose 1.29:
  // ~0.5 s of Python, and `run` creates and removes a container through compose's own logic);
  // `docker exec`/`stop`/`run --volumes-from` on a known container do the same work directly.

  /** The service's container id and image id (running or stopped), or null when it has none. */
  async container(service: string): Promise<{ id: string; image: string } | null> {
    const ps = await this.compose(['ps', '-q', service]);
    const id = ps.stdout.split('\n').map((l) => l.trim()).find(Boolean);
    if (!ps.ok || !id) return null;
    const inspected = await capture(this.engine.cli, ['inspect', '--format', '{{.Image}}', id], { env: this.options.env });
    return inspected.ok ? { id, image: inspected.stdout.trim() } : null;
  }

  /** psql over the container's local socket, as `compose exec -T` runs it. */
  execPsql(id: string, psqlArgv: readonly string[], timeoutMs = 30_000): Promise<Captured> {
    return capture(this.engine.cli, ['exec', id, 'psql', ...psqlArgv], { env: this.options.env, timeoutMs });
  }

  /** Stop the container with its own stop signal (SIGINT: fast shutdown) and grace period. */
  stopContainer(id: string): Promise<Captured> {
    return capture(this.engine.cli, ['stop', '-t', '60', id], { env: this.options.env, timeoutMs: STOP_TIMEOUT_MS });
  }

  /**
   * `bash -c SCRIPT` as postgres in a throw-away container of `image` with the stopped container's
   * volumes (its data volume included), no network; PGDATA as the bundle says.
   */
  oneOffFrom(id: string, image: string, pgdata: string, script: string): Promise<Captured> {
    return capture(this.engine.cli, ['run', '--rm', '--network', 'none', '--volumes-from', id, '--user', 'postgres', '-e', 'LC_ALL=C', '-e', `PGDATA=${pgdata}`,
      '--entrypoint', 'bash', image, '-c', `set -Eeuo pipefail\n${script}`], { env: this.options.env, timeoutMs: ONE_OFF_TIMEOUT_MS });
  }

  /** Which services have a running container (`ps --services --filter status=running`). */
  async running(): Promise<Set<string>> {
    const r = await this.compose(['ps', '--services', '--filter', 'status=running']);
    return new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
  }
}
