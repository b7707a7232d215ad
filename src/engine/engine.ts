// The container engines a bundle can be started with, in the order preflight prefers them.
type EngineKind = 'compose-v2' | 'compose-v1' | 'podman';

export interface Engine {
  kind: EngineKind;
  /** argv prefix of every compose command: `docker compose`, `docker-compose` or `podman compose`. */
  compose: readonly [string, ...string[]];
  /** The engine's own CLI, for `info` and `inspect`. */
  cli: 'docker' | 'podman';
}

export const ENGINES: Record<EngineKind, Engine> = {
  'compose-v2': { kind: 'compose-v2', compose: ['docker', 'compose'], cli: 'docker' },
  'compose-v1': { kind: 'compose-v1', compose: ['docker-compose'], cli: 'docker' },
  podman: { kind: 'podman', compose: ['podman', 'compose'], cli: 'podman' },
};

/** `up` for this engine. Only Compose v2 can wait for health itself; up.ts polls for the others. */
export function upArgs(engine: Engine): string[] {
  return engine.kind === 'compose-v2' ? ['up', '-d', '--wait'] : ['up', '-d'];
}

/** The whole command line, for messages that tell the user what to run by hand. */
export function commandLine(engine: Engine, args: readonly string[]): string {
  return [...engine.compose, ...args].join(' ');
}
