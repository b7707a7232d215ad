// Before anything is started: find a compose engine and check that its daemon answers. Every
// failure names the exact command to run by hand, because "docker not found" alone leaves a
// newcomer stuck.
import { ENGINES, commandLine, upArgs, type Engine } from './engine.js';
import { LaunchError } from '../errors.js';
import { capture, type RunOptions } from './exec.js';

// `docker info` against a dead remote host can hang; a probe that takes this long has failed.
const PROBE_TIMEOUT_MS = 20_000;

export interface PreflightOptions {
  /** The bundle's directory, for the "then start it by hand" line. */
  outDir: string;
  env?: NodeJS.ProcessEnv;
}

export async function preflight(options: PreflightOptions): Promise<Engine> {
  const run: RunOptions = { env: options.env, timeoutMs: PROBE_TIMEOUT_MS };
  const engine = await findEngine(run, options.outDir);
  await checkDaemon(engine, run, options.outDir);
  return engine;
}

async function findEngine(run: RunOptions, outDir: string): Promise<Engine> {
  for (const engine of [ENGINES['compose-v2'], ENGINES['compose-v1'], ENGINES.podman]) {
    const [command, ...args] = engine.compose;
    const found = await capture(command, [...args, 'version'], run);
    // Compose v1 drives the daemon itself, but up.ts and status.ts need the docker CLI too.
    if (found.ok && (engine.kind !== 'compose-v1' || (await onPath('docker', run)))) return engine;
  }
  throw new LaunchError(noEngineMessage(await onPath('docker', run), await onPath('podman', run), outDir));
}

async function onPath(command: string, run: RunOptions): Promise<boolean> {
  return !(await capture(command, ['--version'], run)).missing;
}

function byHand(outDir: string, engine: Engine = ENGINES['compose-v2']): string {
  return `Then start it by hand:\n  cd ${outDir} && ${commandLine(engine, upArgs(engine))}`;
}

function noEngineMessage(docker: boolean, podman: boolean, outDir: string): string {
  if (docker) {
    return 'Docker is installed, but neither the Compose plugin (`docker compose`) nor `docker-compose` is. Install the plugin:\n'
      + '  sudo apt-get install -y docker-compose-plugin     (Docker\'s apt repository; Ubuntu\'s own package is docker-compose-v2)\n'
      + byHand(outDir);
  }
  if (podman) {
    return 'Podman is installed, but `podman compose` has no provider. Install one:\n'
      + '  sudo apt-get install -y podman-compose\n'
      + byHand(outDir, ENGINES.podman);
  }
  return 'No container engine found on PATH (looked for `docker compose`, `docker-compose` and `podman compose`). Install Docker Engine with the Compose plugin:\n'
    + '  curl -fsSL https://get.docker.com | sudo sh     (macOS and Windows: install Docker Desktop)\n'
    + byHand(outDir);
}

async function checkDaemon(engine: Engine, run: RunOptions, outDir: string): Promise<void> {
  const info = await capture(engine.cli, ['info', '--format', '{{.ServerVersion}}'], run);
  if (info.ok) return;
  const reason = firstLine(info.stderr) || 'no answer';
  // execa merges run.env over process.env; the advice must describe what the probe really used.
  throw new LaunchError(`${daemonAdvice(engine, reason, { ...process.env, ...run.env })}\n${byHand(outDir, engine)}`);
}

function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? '';
}

function daemonAdvice(engine: Engine, reason: string, env: NodeJS.ProcessEnv): string {
  const host = engine.cli === 'docker' ? env.DOCKER_HOST : undefined;
  if (host) {
    return `The Docker daemon at DOCKER_HOST=${host} does not answer (${reason}). Is DOCKER_HOST right? Check it with:\n`
      + `  DOCKER_HOST=${host} docker info\n`
      + 'or use the local daemon instead:\n'
      + '  unset DOCKER_HOST';
  }
  if (/permission denied/i.test(reason)) {
    return `You may not talk to the Docker daemon (${reason}). Join the docker group, then log in again:\n`
      + '  sudo usermod -aG docker "$USER"';
  }
  if (engine.cli === 'podman') {
    return `Podman does not answer (${reason}). Start its service:\n  systemctl --user start podman.socket`;
  }
  return `The Docker daemon does not answer (${reason}). Start it:\n`
    + '  sudo systemctl start docker     (Docker Desktop: start the app)';
}
