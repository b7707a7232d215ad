// Starts the bundle from its directory and waits until every container is healthy. Compose v2
// waits itself (`up --wait`); with docker-compose v1 and podman we poll each container's health.
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, upArgs, type Engine } from './engine.js';
import { LaunchError } from '../errors.js';
import { capture, stream } from './exec.js';

export interface UpOptions {
  outDir: string;
  say: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** How long containers may take to become healthy (a replica's first start clones the primary). */
  healthTimeoutMs?: number;
  pollMs?: number;
}

interface ContainerState { service: string; state: string }

const DEFAULT_HEALTH_TIMEOUT_MS = 300_000;

export async function up(engine: Engine, options: UpOptions): Promise<void> {
  const [command, ...prefix] = engine.compose;
  const args = upArgs(engine);
  const line = commandLine(engine, args);
  const timeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  options.say(`$ ${line}`);
  // `up --wait` waits through a healthcheck's start_period (ten minutes for a replica's first
  // clone); the same bound as the polling below applies to it.
  const result = await stream(command, [...prefix, ...args], options.say, { cwd: options.outDir, env: options.env, timeoutMs });
  if (result.timedOut) {
    throw new LaunchError(`\`${line}\` did not finish within ${Math.round(timeoutMs / 1000)}s. See which container is not healthy, and why:\n  cd ${options.outDir} && ${commandLine(engine, ['ps'])} && ${commandLine(engine, ['logs'])}`);
  }
  if (!result.ok) {
    throw new LaunchError(`\`${line}\` failed; its output is above. Fix what it says, then run it again by hand:\n  cd ${options.outDir} && ${line}`);
  }
  if (engine.kind !== 'compose-v2') await waitHealthy(engine, options);
}

async function waitHealthy(engine: Engine, options: UpOptions): Promise<void> {
  const timeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const states = await containerStates(engine, options);
    const line = states.map((s) => `${s.service} ${s.state}`).join(', ');
    if (states.length > 0 && states.every((s) => s.state === 'healthy')) {
      options.say(`All containers healthy: ${line}`);
      return;
    }
    // Only changes are worth a line; a poll every two seconds would flood the terminal.
    if (line !== last) options.say(`Waiting for health: ${line || 'no container yet'}`);
    last = line;
    if (Date.now() >= deadline) {
      const sick = states.find((s) => s.state !== 'healthy')?.service ?? '';
      throw new LaunchError(`Not every container is healthy after ${Math.round(timeoutMs / 1000)}s (${line || 'no container'}). See why:\n  cd ${options.outDir} && ${commandLine(engine, ['logs', sick].filter(Boolean))}`);
    }
    await sleep(options.pollMs ?? 2000);
  }
}

async function containerStates(engine: Engine, options: UpOptions): Promise<ContainerState[]> {
  const [command, ...prefix] = engine.compose;
  const ids = await capture(command, [...prefix, 'ps', '-q'], { cwd: options.outDir, env: options.env });
  const list = ids.stdout.split('\n').map((id) => id.trim()).filter(Boolean);
  if (!ids.ok || list.length === 0) return [];
  // The compose service label names the container the way compose.yaml does (v1, v2 and podman-compose set it).
  const format = '{{index .Config.Labels "com.docker.compose.service"}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}';
  const inspected = await capture(engine.cli, ['inspect', '--format', format, ...list], { env: options.env });
  return inspected.stdout.split('\n').filter(Boolean).map((row): ContainerState => {
    const [service = '?', status = '', health = ''] = row.split('|');
    return { service, state: status === 'running' && health !== '' ? health : status };
  }).sort((a, b) => a.service.localeCompare(b.service));
}
