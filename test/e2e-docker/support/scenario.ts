// A scenario owns its bundles and compose projects: every project it creates is taken down
// (`<engine> down -v --remove-orphans`) in t.after, also when the test failed, and on a failure
// the projects' logs are printed first. It also times phases and reports figures. A scenario runs
// on one variant of the matrix (support/matrix.ts): its bundles are rendered for that PostgreSQL
// major and its projects driven by that Compose engine.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { RawSettings } from '../../../src/config/model.js';
import { renderBundle, type Bundle } from './bundle.js';
import { describe, type Variant } from './matrix.js';
import { seconds, tail, waitFor } from './process.js';
import { Project, type ReplicationRow } from './project.js';
import { docker, freePorts, requireImage, rig, type Rig } from './rig.js';

/** A database node: the service `service` of `project`, queried as `user`. */
export interface Node {
  project: Project;
  service: string;
  user?: string;
}

export interface Stack {
  bundle: Bundle;
  project: Project;
  port: number;
  primary: Node;
  replicas: Node[];
  /** The replicas with their REPLICA_NAME (in a stack, the service name). */
  refs: ReplicaRef[];
}

export interface PerHostPrimary {
  bundle: Bundle;
  project: Project;
  port: number;
  /** The primary network's gateway: the source address the primary sees for published-port traffic. */
  networkGateway: string;
  cidr: string;
  node: Node;
}

export interface PerHostReplica {
  bundle: Bundle;
  project: Project;
  node: Node;
  name: string;
}

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24);
}

export class Scenario {
  readonly projects: Project[] = [];
  private readonly dirs: string[] = [];
  readonly figures: [string, string][] = [];

  constructor(readonly t: TestContext, readonly title: string, readonly rig: Rig, readonly variant: Variant) {}

  /** PG_MAJOR for every bundle of this scenario. */
  get pgMajor(): string {
    return String(this.variant.major);
  }

  /** A figure for the report: printed when the scenario ends and (with PG_HA_E2E_METRICS) appended as JSON. */
  metric(name: string, value: number | string, unit = ''): void {
    const shown = typeof value === 'number' && unit === 'ms' ? seconds(value) : `${value}${unit && unit !== 'ms' ? ` ${unit}` : ''}`;
    this.figures.push([name, shown]);
    const file = process.env.PG_HA_E2E_METRICS;
    if (file) {
      const { major, engine } = this.variant;
      appendFileSync(file, `${JSON.stringify({ scenario: this.title, major, engine, name, value, unit, at: new Date().toISOString() })}\n`);
    }
  }

  /** Time `fn` and report it as a figure in ms. */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const result = await fn();
    this.metric(name, Date.now() - started, 'ms');
    return result;
  }

  tmp(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `pg-ha-e2e-docker-${prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  project(label: string, dir: string): Project {
    const suffix = Math.random().toString(36).slice(2, 7);
    const project = new Project(`pgha-${slugify(label)}-${suffix}`, dir, this.variant.engine);
    this.projects.push(project);
    return project;
  }

  /** A single-host stack (`--stack`): primary + `REPLICA_COUNT` replicas, loopback ports. */
  async stack(label: string, settings: RawSettings = {}): Promise<Stack> {
    const count = Number(settings.REPLICA_COUNT ?? '2');
    const port = await freePorts(count + 1);
    const dir = this.tmp(slugify(label));
    const bundle = renderBundle(dir, 'stack', { PG_MAJOR: this.pgMajor, REPLICA_COUNT: String(count), PRIMARY_PORT: String(port), ...settings });
    const project = this.project(label, dir);
    const user = bundle.config.postgresUser;
    const replicas = Array.from({ length: count }, (_, i) => ({ project, service: `replica${i + 1}`, user }));
    return {
      bundle, project, port, replicas,
      primary: { project, service: 'primary', user },
      refs: replicas.map((node) => ({ node, name: node.service })),
    };
  }

  /**
   * A per-host primary (`--from-env`, REPLICATION_ROLE=primary) published on a free port. Its
   * network is created first (`up --no-start`) so that REPLICATION_CIDR can be narrowed to the
   * one address the primary sees published-port traffic come from (see networkGateway).
   */
  async perHostPrimary(label: string, settings: RawSettings): Promise<PerHostPrimary> {
    const port = await freePorts(1);
    const dir = this.tmp(`${slugify(label)}-primary`);
    const bundle = renderBundle(dir, 'node', { PG_MAJOR: this.pgMajor, REPLICATION_ROLE: 'primary', PRIMARY_PORT: String(port), ...settings });
    const project = this.project(`${label}-primary`, dir);
    await project.compose(['up', '--no-start']);
    const networkGateway = await this.networkGateway(project);
    // docker-proxy (the rig runs dockerd with --iptables=false) connects to the container from
    // the host's address on the primary's bridge, i.e. this network's gateway.
    const cidr = settings.REPLICATION_CIDR ?? `${networkGateway}/32`;
    bundle.rerender({ REPLICATION_CIDR: cidr });
    return { bundle, project, port, networkGateway, cidr, node: { project, service: 'primary', user: bundle.config.postgresUser } };
  }

  async networkGateway(project: Project): Promise<string> {
    const r = await docker(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}', `${project.name}_default`]);
    const gateway = r.stdout.trim().split(/\s+/)[0];
    if (!gateway) throw new Error(`${project.name}_default has no gateway`);
    return gateway;
  }

  /** A per-host replica (`--from-env`, REPLICATION_ROLE=replica) that dials the primary's published port on the rig gateway. */
  async perHostReplica(label: string, primaryPort: number, settings: RawSettings): Promise<PerHostReplica> {
    const port = await freePorts(1);
    const name = settings.REPLICA_NAME ?? 'replica1';
    const dir = this.tmp(`${slugify(label)}-${name}`);
    const bundle = renderBundle(dir, 'node', {
      PG_MAJOR: this.pgMajor, REPLICATION_ROLE: 'replica', PRIMARY_HOST: this.rig.gateway, PRIMARY_PORT: String(primaryPort),
      REPLICA_PORT: String(port), REPLICA_NAME: name, ...settings,
    });
    const project = this.project(`${label}-${name}`, dir);
    return { bundle, project, name, node: { project, service: 'replica', user: bundle.config.postgresUser } };
  }

  /**
   * Run dependent steps as subtests, in order: each is timed; the first failure prints the logs
   * and skips the steps after it (they would only fail for the same reason).
   */
  async steps(steps: readonly (readonly [string, () => Promise<void>])[]): Promise<void> {
    let failed: string | undefined;
    for (const [name, body] of steps) {
      await this.t.test(name, { skip: failed ? `step "${failed}" failed` : false }, async () => {
        const started = Date.now();
        try {
          await body();
        } catch (error) {
          failed = name;
          await this.dumpLogs();
          throw error;
        } finally {
          this.metric(`step: ${name}`, Date.now() - started, 'ms');
        }
      });
    }
    if (failed) throw new Error(`step "${failed}" failed`);
  }

  async dumpLogs(): Promise<void> {
    for (const project of this.projects) {
      const logs = await project.logs().catch((e: Error) => `(no logs: ${e.message})`);
      console.error(`\n===== ${project.command} -p ${project.name} logs (${project.dir}) =====\n${tail(logs, 400)}`);
    }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.projects.map((p) => p.down()));
    if (process.env.PG_HA_E2E_KEEP) return;
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run a scenario on one variant: rig up, body, logs on failure, teardown in t.after (also on
 * failure), and its duration reported.
 */
export async function scenario(t: TestContext, title: string, variant: Variant, body: (s: Scenario) => Promise<void>): Promise<void> {
  const r = await rig();
  await requireImage(variant.major);
  const s = new Scenario(t, `${title} [${describe(variant)}]`, r, variant);
  t.after(() => s.cleanup());
  const started = Date.now();
  try {
    await body(s);
  } catch (error) {
    await s.dumpLogs();
    throw error;
  } finally {
    s.metric('scenario duration', Date.now() - started, 'ms');
    console.log(`\n[${title}]\n${s.figures.map(([n, v]) => `  ${n}: ${v}`).join('\n')}`);
  }
}

// ------------------------------------------------------------------------------------ data

export async function psql(node: Node, sql: string): Promise<string> {
  return node.project.psql(node.service, sql, { user: node.user });
}

/** A table for the scenario's committed rows. */
export async function createRowsTable(node: Node, table = 'e2e_rows'): Promise<void> {
  await psql(node, `CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, tag text NOT NULL, at timestamptz NOT NULL DEFAULT now());`);
}

/** Insert `n` rows tagged `tag` in one committed transaction; returns the table's row count. */
export async function writeRows(node: Node, tag: string, n = 10, table = 'e2e_rows'): Promise<number> {
  const out = await psql(node, `INSERT INTO ${table} (tag) SELECT '${tag.replace(/'/g, "''")}' FROM generate_series(1, ${n});
    SELECT count(*) FROM ${table};`);
  return Number(out);
}

export async function fingerprint(node: Node, table = 'e2e_rows'): Promise<string> {
  return psql(node, `SELECT count(*) || ':' || coalesce(md5(string_agg(id || '/' || tag, ',' ORDER BY id)), '-') FROM ${table};`);
}

/**
 * Every committed row is on every replica: wait (bounded) until each replica's fingerprint of
 * the table equals the primary's, and the count equals `expectedCount` (what the test committed).
 */
export async function expectRowsEverywhere(primary: Node, replicas: readonly Node[], expectedCount: number, table = 'e2e_rows', timeoutMs = 60_000): Promise<void> {
  const want = await fingerprint(primary, table);
  if (Number(want.split(':')[0]) !== expectedCount) throw new Error(`primary has ${want}, expected ${expectedCount} committed rows`);
  await Promise.all(replicas.map((replica) => waitFor(async () => ((await fingerprint(replica, table)) === want ? true : undefined),
    { timeoutMs, intervalMs: 300, what: `${replica.project.name}/${replica.service}: rows ${want}` })));
}

/** The current WAL LSN of the primary, and a replica's replay LSN, as byte positions. */
export async function walBytes(node: Node, expr: 'pg_current_wal_lsn()' | 'pg_last_wal_replay_lsn()'): Promise<bigint> {
  return BigInt(await psql(node, `SELECT pg_wal_lsn_diff(${expr}, '0/0')::bigint;`));
}

export interface ReplicaRef {
  node: Node;
  /** REPLICA_NAME: slot and application_name. */
  name: string;
}

/**
 * Wait (bounded) until every replica streams: on the replica, pg_stat_wal_receiver is
 * `streaming` through its slot; on the primary, exactly one walsender per replica name, streaming
 * through the slot of that name. (During the clone pg_basebackup's own WAL stream also shows
 * up in pg_stat_replication under the replica's name and slot, so the primary's view alone
 * would say "streaming" too early.) Returns the primary's rows for those names.
 */
export async function waitStreaming(primary: Node, replicas: readonly ReplicaRef[], timeoutMs = 180_000): Promise<ReplicationRow[]> {
  const names = replicas.map((r) => r.name);
  return waitFor(async () => {
    for (const { node, name } of replicas) {
      const receiver = await psql(node, "SELECT status || '|' || coalesce(slot_name, '') FROM pg_stat_wal_receiver;");
      if (receiver !== `streaming|${name}`) return undefined;
    }
    const rows = (await primary.project.replicationStatus(primary.service, primary.user)).filter((r) => names.includes(r.applicationName));
    const ok = names.every((n) => {
      const mine = rows.filter((r) => r.applicationName === n);
      return mine.length === 1 && mine[0]?.state === 'streaming' && mine[0]?.slot === n;
    });
    return ok ? rows : undefined;
  }, { timeoutMs, intervalMs: 200, what: `${names.join(', ')} streaming from ${primary.project.name}` });
}
