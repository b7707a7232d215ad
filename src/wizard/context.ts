// What the steps share. Each step takes only the fields it needs (Pick<WizardContext, ...>) and
// records its answer here, by the same variable names the environment uses.
import type { Config } from '../config/model.js';
import type { Mode, SecretName } from '../config/settings.js';
import type { Engine } from '../engine/engine.js';
import type { ReplicaState } from '../engine/status.js';
import type { Prompts } from './prompts.js';

export type Topology = 'stack' | 'primary' | 'replica';

/** How a password was chosen; the summary says it, never the password. */
export type SecretSource = 'generated' | 'typed' | 'environment' | 'file';

export type Settings = Record<string, string | undefined>;

export interface WizardContext {
  prompt: Prompts;
  say: (line: string) => void;
  topology: Topology;
  /**
   * The environment and the flags, each answer written over them by variable name: exactly the
   * map --stack or --from-env would read, so the wizard and those modes cannot disagree.
   */
  settings: Settings;
  secrets: Partial<Record<SecretName, SecretSource>>;
  /** The --out flag: the output-dir step's default. */
  out: string | undefined;
  force: boolean;
}

export function modeOf(topology: Topology): Mode {
  return topology === 'stack' ? 'stack' : 'node';
}

/** Starting a bundle, injectable so wizard flows are tested without a container engine. */
export interface Launcher {
  /** The engine that will start `outDir`; throws LaunchError naming the command to run by hand. */
  preflight(outDir: string): Promise<Engine>;
  /** up, then wait until replication flows; resolves to the streaming replicas. */
  start(engine: Engine, config: Config, outDir: string): Promise<ReplicaState[]>;
}
