// A bundle's cluster as the day-2 commands see it: its config and manifest, the compose engine,
// the node runner and node operations over that engine, and the nodes the bundle declares.
import { join } from 'node:path';
import { multiHostConninfo, readCluster, type ClusterView, type ExpectedNode } from '../cluster/index.js';
import { readSecretFile, type Config } from '../config/model.js';
import { ENGINES, preflight, type Engine } from '../engine/index.js';
import { NodeOps } from '../engine/node-ops.js';
import { composeNodeRunner } from '../engine/node-runner.js';
import { UsageError } from '../errors.js';
import { loadBundleConfig, type Manifest } from '../output/manifest.js';
import { services, type Service } from '../render/topology.js';
import { SECRET_DIR } from '../render/view.js';
import type { NodeRunner } from '../cluster/transport.js';

export interface BundleCluster {
  dir: string;
  manifest: Manifest;
  config: Config;
  engine: Engine;
  runner: Required<NodeRunner>;
  ops: NodeOps;
  services: Service[];
  expected: ExpectedNode[];
  /** The service the bundle declares primary. */
  declaredPrimary: string | null;
  /** The superuser's password from secrets/ (pg_rewind needs it), never printed. */
  superuserPassword(): string;
  read(): Promise<ClusterView>;
  /** `host=127.0.0.1,… port=…` over every published node, finding the writable one. */
  connectionString(): string;
}

export interface OpenOptions {
  dir: string;
  projectName?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Checks of the command's flags against the bundle's files alone (a per-host flag on a stack
   * bundle, a missing NODE), run before the engine is looked for: bad input is refused with exit 2
   * even on a host whose engine is down. Throws UsageError.
   */
  precheck?: (bundle: { dir: string; manifest: Manifest; config: Config }) => void;
}

/** What every day-2 procedure (switchover, failover, rejoin) takes besides its own choices. */
export interface Day2Options extends OpenOptions {
  yes: boolean;
  say: (line: string) => void;
  /** Asks the operator; undefined when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** How long every node may take to stream on the new timeline at the end. */
  verifyTimeoutMs?: number;
}

/**
 * PG_HA_INIT_ENGINE (compose-v2, compose-v1 or podman) picks the engine when several are
 * installed; otherwise preflight's order (v2, v1, podman).
 */
async function engineFor(dir: string, env: NodeJS.ProcessEnv | undefined): Promise<Engine> {
  const wanted = (env ?? process.env).PG_HA_INIT_ENGINE;
  if (wanted === undefined || wanted === '') return preflight({ outDir: dir, env });
  const engine = (ENGINES as Record<string, Engine | undefined>)[wanted];
  if (!engine) throw new UsageError(`PG_HA_INIT_ENGINE is "${wanted}"; it must be compose-v2, compose-v1 or podman`);
  return engine;
}

export async function openBundleCluster(options: OpenOptions): Promise<BundleCluster> {
  const { manifest, config } = loadBundleConfig(options.dir);
  options.precheck?.({ dir: options.dir, manifest, config });
  const engine = await engineFor(options.dir, options.env);
  const exec = { outDir: options.dir, env: options.env, projectName: options.projectName };
  const runner = composeNodeRunner(engine, config.postgresUser, exec);
  const ops = new NodeOps(engine, { dir: options.dir, env: options.env, projectName: options.projectName });
  const list = services(config);
  const expected = list.map((s): ExpectedNode => ({ name: s.name, declaredRole: s.role, applicationName: s.replicaName ?? s.name }));
  return {
    dir: options.dir, manifest, config, engine, runner, ops, services: list, expected,
    declaredPrimary: list.find((s) => s.role === 'primary')?.name ?? null,
    superuserPassword: () => readSecretFile(join(options.dir, SECRET_DIR, 'postgres_password')),
    // A per-host replica's primary is on another host: the view takes it from what the replica streams.
    read: () => readCluster(runner, expected, { remotePrimary: manifest.mode === 'node' && !list.some((s) => s.role === 'primary') }),
    connectionString: () => multiHostConninfo(
      list.map((s) => ({ host: s.publishAddress ?? 'localhost', port: s.publishPort })),
      { user: config.postgresUser, dbname: config.postgresDb, connectTimeout: 3 },
    ),
  };
}
