// `pg-ha-init status`: the live state of a bundle's nodes, read through the compose engine (psql
// in each container, on its local socket: no password), shown as a table or --json, with an exit
// code a cron job or a monitor can act on. The cluster library (src/cluster) does the SQL, the
// view and the warnings; this file finds the bundle, its compose project and its engine, and
// tells the library which nodes the bundle declares and what their env files say they are.
//
// This module stays light: the engine, the manifest reader and the cluster library load in run,
// so --help and --version never load them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ClusterJson, ClusterView, ExpectedNode, NodeRunner, SqlResult } from '../cluster/index.js';
import type { Engine } from '../engine/engine.js';
import type { Manifest } from '../output/manifest.js';
import { CliError, LaunchError, UsageError } from '../errors.js';
import type { Command, FlagValues } from './command.js';

/** The engine answered, but the bundle's state could not be read at all. */
class StatusFailure extends CliError {
  readonly exitCode = 1;
  override name = 'StatusFailure';
}

// ------------------------------------------------------------------------------ project name

/** Compose v2's own rule for a name derived from the directory (compose-go NormalizeProjectName). */
export function normalizeProjectName(name: string): string {
  return (name.toLowerCase().match(/[a-z0-9_-]/g) ?? []).join('').replace(/^[_-]+/, '');
}

/** What both engines accept as given with -p or COMPOSE_PROJECT_NAME. */
const VALID_PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export interface ProjectName {
  name: string;
  /** Where it came from, for messages. */
  source: string;
}

/** COMPOSE_PROJECT_NAME in the bundle's `.env`, which both engines read from the project directory. */
function dotEnvProjectName(dir: string): string | undefined {
  let text;
  try {
    text = readFileSync(join(dir, '.env'), 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split(/\r?\n/).reverse().find((l) => /^\s*(?:export\s+)?COMPOSE_PROJECT_NAME\s*=/.test(l));
  if (line === undefined) return undefined;
  return line.slice(line.indexOf('=') + 1).trim().replace(/^(['"])(.*)\1$/, '$2');
}

/**
 * The compose project the bundle was started as, by Compose's rules: -p (here --project-name),
 * else COMPOSE_PROJECT_NAME from the environment, else from the bundle's .env, else the
 * directory's name normalised as Compose v2 does. A name Compose would refuse is a usage error.
 */
export function projectNameFor(dir: string, env: NodeJS.ProcessEnv, flag?: string): ProjectName {
  const given: [string | undefined, string][] = [
    [flag, '--project-name'],
    [env.COMPOSE_PROJECT_NAME, 'COMPOSE_PROJECT_NAME in the environment'],
    [dotEnvProjectName(dir), `COMPOSE_PROJECT_NAME in ${join(dir, '.env')}`],
  ];
  for (const [value, source] of given) {
    if (value === undefined || value === '') continue;
    if (!VALID_PROJECT_NAME.test(value)) {
      throw new UsageError(`${source} is "${value}", which Compose refuses as a project name: use lower-case letters, digits, "-" and "_", starting with a letter or digit.`);
    }
    return { name: value, source };
  }
  const name = normalizeProjectName(basename(dir));
  if (name === '') {
    throw new UsageError(`Compose derives no project name from the directory name "${basename(dir)}" (no letter or digit). Give the name the bundle was started with: pg-ha-init status --dir ${dir} --project-name NAME (\`docker compose ls\` lists them).`);
  }
  return { name, source: `the directory name "${basename(dir)}"` };
}

// ------------------------------------------------------------------------- declared nodes

/** KEY=value lines of a bundle env file, as written (the bundles never quote or interpolate). */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf('=');
    if (line.startsWith('#') || at <= 0) continue;
    out[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return out;
}

export interface DeclaredNode extends ExpectedNode {
  /** The compose service that runs it. */
  service: string;
}

/**
 * The nodes the bundle declares. The env files are what the entrypoint applies at every start
 * (docs/day2-design.md), so a role or replica name there wins over the manifest, which records
 * the render. A replica is named by its REPLICA_NAME (its application_name and slot): the name
 * its primary's bundle shows it under.
 */
export function declaredNodes(dir: string, manifest: Pick<Manifest, 'services'>): DeclaredNode[] {
  return manifest.services.map((s) => {
    const env = readEnvFile(join(dir, 'env', `${s.name}.env`));
    const role = env.REPLICATION_ROLE === 'primary' || env.REPLICATION_ROLE === 'replica' ? env.REPLICATION_ROLE : s.role;
    const replicaName = env.REPLICA_NAME || s.replicaName || undefined;
    const name = role === 'replica' && replicaName !== undefined ? replicaName : s.name;
    return { name, service: s.name, declaredRole: role, applicationName: replicaName ?? s.name };
  });
}

// ------------------------------------------------------------------------------ transport

/** What `status` needs from the engine; the unit tests hand in a stand-in for it alone. */
export interface StatusTransport {
  /** Each service's container state (running, exited, ...); a service without one is absent. */
  containers(): Promise<Map<string, string>>;
  /** SQL on a running service's container. */
  sql(service: string, sql: string): Promise<SqlResult>;
}

/**
 * The library's runner by member name: a node whose container is not running is stopped without
 * asking psql (the engine knows better than psql's message), every other goes to its service.
 */
function runnerFor(nodes: readonly DeclaredNode[], transport: StatusTransport, containers: ReadonlyMap<string, string> | null): NodeRunner {
  return {
    async sql(member, sql) {
      const service = nodes.find((n) => n.name === member)?.service ?? member;
      const state = containers?.get(service);
      if (containers !== null && state !== 'running') {
        const detail = state === undefined ? `no container for service ${service}` : `container of service ${service} is ${state}`;
        return { ok: false, stdout: '', stderr: detail, unavailable: 'stopped' };
      }
      return transport.sql(service, sql);
    },
  };
}

export interface StatusReport {
  view: ClusterView;
  json: ClusterJson & { bundle: { dir: string; project: string; engine: string } };
  text: string;
  exitCode: number;
}

export interface StatusTarget {
  dir: string;
  project: ProjectName;
  /** `docker compose` / `docker-compose`, for output and messages. */
  engine: string;
  manifest: Pick<Manifest, 'mode' | 'services'>;
}

/**
 * Read every declared node and build the report. Seen-only members (not in this bundle: the
 * replicas a per-host primary's pg_stat_replication lists, or the primary a per-host replica
 * streams from) are marked in the table with `*` and a note.
 */
export async function statusReport(target: StatusTarget, transport: StatusTransport): Promise<StatusReport> {
  const { readCluster, formatClusterTable, clusterJson } = await import('../cluster/index.js');
  const nodes = declaredNodes(target.dir, target.manifest);
  let containers: Map<string, string> | null;
  try {
    containers = await transport.containers();
  } catch {
    // Without the list, psql's own message still tells stopped from unreachable.
    containers = null;
  }
  // A per-host replica bundle: its primary is on another host, known from what the replica streams.
  const remotePrimary = target.manifest.mode === 'node' && !nodes.some((n) => n.declaredRole === 'primary');
  const view = await readCluster(runnerFor(nodes, transport, containers), nodes, { remotePrimary });

  const marked = { ...view, nodes: view.nodes.map((n) => (n.seenOnly ? { ...n, name: `${n.name} *` } : n)) };
  const lines = [`Bundle ${target.dir}, compose project ${target.project.name} (${target.engine})`, formatClusterTable(marked)];
  const seen = view.nodes.filter((n) => n.seenOnly);
  if (seen.length > 0) {
    lines.push(`* not in this bundle: ${seen.map((n) => `${n.name} (${n.role === 'primary' ? `the primary, ${n.detail ?? 'seen from a replica'}` : `seen in ${n.upstream ?? 'the primary'}'s pg_stat_replication`})`).join('; ')}`);
  }
  if (containers !== null && containers.size === 0) {
    lines.push(`hint: compose project ${target.project.name} (from ${target.project.source}) has no container. Start the bundle: cd ${target.dir} && ${target.engine} up -d. Started under another name? Give it: --project-name NAME.`);
  }
  const json = { ...clusterJson(view), bundle: { dir: target.dir, project: target.project.name, engine: target.engine } };
  return { view, json, text: lines.join('\n'), exitCode: view.exitCode };
}

/** The engine's transport for one project: `<engine> exec -T` for SQL, the engine CLI for container states. */
async function engineTransport(engine: Engine, dir: string, project: string, user: string): Promise<StatusTransport> {
  const { capture, composeNodeRunner } = await import('../engine/index.js');
  // Both engines take the project name from COMPOSE_PROJECT_NAME, as from -p.
  const env = { COMPOSE_PROJECT_NAME: project };
  const runner = composeNodeRunner(engine, user, { outDir: dir, env });
  return {
    sql: (service, sql) => runner.sql(service, sql),
    async containers() {
      const ids = await capture(engine.cli, ['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`], { timeoutMs: 20_000 });
      if (!ids.ok) throw new Error(ids.stderr);
      const list = ids.stdout.split('\n').map((id) => id.trim()).filter(Boolean);
      const states = new Map<string, string>();
      if (list.length === 0) return states;
      const format = '{{index .Config.Labels "com.docker.compose.service"}}|{{.State.Status}}';
      const inspected = await capture(engine.cli, ['inspect', '--format', format, ...list], { timeoutMs: 20_000 });
      if (!inspected.ok) throw new Error(inspected.stderr);
      for (const row of inspected.stdout.split('\n').filter(Boolean)) {
        const [service = '', state = ''] = row.split('|');
        // A one-off container (compose run) of the same service must not hide the real one.
        if (states.get(service) !== 'running') states.set(service, state);
      }
      return states;
    },
  };
}

// ------------------------------------------------------------------------------- command

function bundleDir(flags: FlagValues): string {
  const given = typeof flags.dir === 'string' ? flags.dir : '.';
  const dir = resolve(given);
  if (!existsSync(dir)) throw new UsageError(`${given} does not exist. Give a bundle's directory: pg-ha-init status --dir DIR`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${given} is not a directory. Give a bundle's directory: pg-ha-init status --dir DIR`);
  return dir;
}

/** preflight's advice ends with how to start the bundle; here the next step is to ask again. */
function engineFailure(error: LaunchError, dir: string): StatusFailure {
  const advice = error.message.split('\nThen start it by hand:')[0] ?? error.message;
  return new StatusFailure(`${advice}\nThen run again: pg-ha-init status --dir ${dir}`);
}

export const status: Command = {
  name: 'status',
  title: 'pg-ha-init status',
  summary: 'Show the live state of a started bundle: who is primary, who streams, lag, slots, warnings. Exit 0 healthy, 1 degraded (a warning), 3 no writable primary or more than one.',
  usage: ['pg-ha-init status [--dir DIR] [--json] [--project-name NAME]  the live state of a started bundle (exit 0 healthy, 1 degraded, 3 no single primary)'],
  flags: [
    { name: 'dir', type: 'string', arg: 'DIR', help: 'status: the bundle\'s directory (default: the current directory).' },
    { name: 'json', type: 'boolean', help: 'Print the live state as JSON: primary, nodes, slots, warnings, exitCode.' },
    { name: 'project-name', type: 'string', arg: 'NAME', help: 'status: the compose project name (default: COMPOSE_PROJECT_NAME, else the bundle directory\'s name, as Compose derives it).' },
  ],
  async run({ flags, say }) {
    const dir = bundleDir(flags);
    const { readManifest } = await import('../output/manifest.js');
    let manifest: Manifest;
    try {
      manifest = readManifest(dir);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`${error.message}\nRun status in a bundle's directory, or give it: pg-ha-init status --dir DIR`);
      throw error;
    }
    const project = projectNameFor(dir, process.env, typeof flags['project-name'] === 'string' ? flags['project-name'] : undefined);
    const { preflight, commandLine } = await import('../engine/index.js');
    let engine: Engine;
    try {
      engine = await preflight({ outDir: dir });
    } catch (error) {
      throw error instanceof LaunchError ? engineFailure(error, dir) : error;
    }
    // The bootstrap superuser: psql on the container's local socket needs no password for it.
    const user = manifest.settings.POSTGRES_USER || 'postgres';
    const transport = await engineTransport(engine, dir, project.name, user);
    const report = await statusReport({ dir, project, engine: commandLine(engine, []), manifest }, transport);
    say(flags.json ? JSON.stringify(report.json, null, 2) : report.text);
    return report.exitCode;
  },
};
