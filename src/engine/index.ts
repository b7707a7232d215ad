// The compose engine, for every command: find it (preflight), run programs (exec), start a bundle
// (up), ask its PostgreSQL (runSql, queryReplication; composeNodeRunner for src/cluster). Launch =
// preflight, then start: `up` (streaming the engine's output), then wait until replication really
// flows, then say how to connect; used by the wizard and by --launch. execa is under this module:
// load it lazily.
import type { Config } from '../config/model.js';
import { connectionLines } from './connections.js';
import type { Engine } from './engine.js';
import { preflight } from './preflight.js';
import { awaitReplication, type ReplicaState } from './status.js';
import { up } from './up.js';

export { ENGINES, commandLine, upArgs, type Engine } from './engine.js';
export { capture, stream, type Captured, type RunOptions } from './exec.js';
export { preflight } from './preflight.js';
export { awaitReplication, queryReplication, runSql, type ExecOptions, type ReplicaState, type SqlAnswer } from './status.js';
export { up } from './up.js';
export { connectionLines } from './connections.js';
export { composeNodeRunner } from './node-runner.js';

export interface LaunchOptions {
  say: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  healthTimeoutMs?: number;
  streamTimeoutMs?: number;
}

/** Starts a bundle that preflight already accepted (the wizard runs preflight before its summary). */
export async function start(engine: Engine, config: Config, outDir: string, options: LaunchOptions): Promise<ReplicaState[]> {
  const common = { outDir, say: options.say, env: options.env };
  await up(engine, { ...common, healthTimeoutMs: options.healthTimeoutMs });
  const rows = await awaitReplication(engine, config, { ...common, timeoutMs: options.streamTimeoutMs });
  for (const line of connectionLines(config, outDir)) options.say(line);
  return rows;
}

export async function launch(config: Config, outDir: string, options: LaunchOptions): Promise<ReplicaState[]> {
  const engine = await preflight({ outDir, env: options.env });
  return start(engine, config, outDir, options);
}
