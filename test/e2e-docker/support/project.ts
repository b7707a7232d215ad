// One compose project (a rendered bundle started under a unique project name), with the probes
// the scenarios need. The project's engine (`docker compose`, v2, or `docker-compose`, v1) is used
// for what Compose does (config, up, stop, start, restart, logs, down); the docker CLI for fast
// probes (inspect, exec), since every docker-compose 1.29 call costs ~0.5 s of Python start-up.
import { composeArgv, engineCommand, type EngineName } from './matrix.js';
import { docker, rig } from './rig.js';
import { fatal, run, tail, waitFor, type RunOptions, type RunResult } from './process.js';

export interface ContainerState {
  service: string;
  id: string;
  status: string;
  health: string | undefined;
  restartCount: number;
  exitCode: number;
}

export interface PsqlOptions {
  user?: string;
  db?: string;
  /** Return the failure instead of throwing. */
  allowFail?: boolean;
  timeoutMs?: number;
}

export class Project {
  constructor(readonly name: string, readonly dir: string, readonly engine: EngineName) {
    // The one form both engines keep as given (see compose-v2.test.ts for the rest).
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) throw new Error(`project name ${name} would be rewritten by Compose`);
  }

  /** `docker compose` or `docker-compose`, as the user would type it. */
  get command(): string {
    return engineCommand(this.engine);
  }

  async compose(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const { env } = await rig();
    const [command, ...prefix] = composeArgv(this.engine);
    return run(command, [...prefix, '-p', this.name, ...args], { cwd: this.dir, env, timeoutMs: 180_000, ...options });
  }

  up(services: readonly string[] = [], extra: readonly string[] = []): Promise<RunResult> {
    return this.compose(['up', '-d', ...extra, ...services]);
  }

  async down(): Promise<void> {
    await this.compose(['down', '-v', '--remove-orphans', '-t', '30'], { check: false, timeoutMs: 240_000 });
  }

  async logs(service?: string): Promise<string> {
    const r = await this.compose(['logs', '--no-color', ...(service ? [service] : [])], { check: false });
    return r.stdout + r.stderr;
  }

  /** Container id of a service (running or not); undefined when none exists. */
  async containerId(service: string): Promise<string | undefined> {
    const r = await docker(['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${this.name}`,
      '--filter', `label=com.docker.compose.service=${service}`]);
    const ids = r.stdout.trim().split('\n').filter(Boolean);
    if (ids.length > 1) throw new Error(`${this.name}/${service}: ${ids.length} containers`);
    return ids[0];
  }

  async id(service: string): Promise<string> {
    const id = await this.containerId(service);
    if (!id) throw new Error(`${this.name}/${service}: no container`);
    return id;
  }

  async inspect(service: string): Promise<Record<string, any>> {
    const r = await docker(['inspect', await this.id(service)]);
    return (JSON.parse(r.stdout) as Record<string, any>[])[0] as Record<string, any>;
  }

  async states(services: readonly string[]): Promise<ContainerState[]> {
    const ids = await Promise.all(services.map((s) => this.id(s)));
    const r = await docker(['inspect', ...ids]);
    const all = JSON.parse(r.stdout) as Record<string, any>[];
    return all.map((c, i) => ({
      service: services[i] as string,
      id: c.Id,
      status: c.State.Status,
      health: c.State.Health?.Status,
      restartCount: c.RestartCount,
      exitCode: c.State.ExitCode,
    }));
  }

  /**
   * Bounded poll of `docker inspect` until every service is healthy. Fails at once when a
   * container exited or restarted (unless allowRestarts), with its logs in the error.
   */
  async waitHealthy(services: readonly string[], timeoutMs = 120_000, allowRestarts = false): Promise<void> {
    await waitFor(async () => {
      const states = await this.states(services);
      const broken = states.find((s) => s.status === 'exited' || s.status === 'dead' || (!allowRestarts && s.restartCount > 0));
      if (broken) {
        throw fatal(`${this.name}/${broken.service} is ${broken.status} (exit ${broken.exitCode}, restarts ${broken.restartCount}):\n${tail(await this.logs(broken.service), 60)}`);
      }
      return states.every((s) => s.health === 'healthy') ? true : undefined;
    }, { timeoutMs, intervalMs: 300, what: `${this.name}: ${services.join(', ')} healthy` });
  }

  /** `docker exec` in a service's container (as root, like docker-compose exec). */
  async exec(service: string, argv: readonly string[], options: RunOptions & { user?: string } = {}): Promise<RunResult> {
    const id = await this.id(service);
    const flags = [...(options.input !== undefined ? ['-i'] : []), ...(options.user ? ['-u', options.user] : [])];
    return docker(['exec', ...flags, id, ...argv], { timeoutMs: 60_000, ...options });
  }

  /**
   * SQL on stdin to psql over the container's local socket (trusted), unaligned tuples-only,
   * ON_ERROR_STOP. Returns stdout, trimmed.
   */
  async psql(service: string, sql: string, options: PsqlOptions = {}): Promise<string> {
    const r = await this.exec(service, ['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
      `--username=${options.user ?? 'postgres'}`, `--dbname=${options.db ?? 'postgres'}`],
    { input: sql, check: !options.allowFail, timeoutMs: options.timeoutMs ?? 60_000 });
    if (options.allowFail && r.code !== 0) return `ERROR(${r.code}): ${r.stderr.trim()}`;
    return r.stdout.trim();
  }

  /** One value from the primary-side view of replication: name -> state, slot, client address. */
  async replicationStatus(service = 'primary', user?: string): Promise<ReplicationRow[]> {
    const out = await this.psql(service, `
      SELECT r.application_name, r.state, coalesce(s.slot_name, ''), coalesce(host(r.client_addr), ''), r.pid
        FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
       ORDER BY 1;`, { user });
    return out.split('\n').filter(Boolean).map((line) => {
      const [applicationName, state, slot, clientAddr, pid] = line.split('|');
      return { applicationName: applicationName ?? '', state: state ?? '', slot: slot ?? '', clientAddr: clientAddr ?? '', pid: Number(pid) };
    });
  }
}

export interface ReplicationRow {
  applicationName: string;
  state: string;
  slot: string;
  clientAddr: string;
  pid: number;
}
