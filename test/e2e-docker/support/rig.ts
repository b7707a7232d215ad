// The Docker engine under test: test/docker/rig.sh's private dockerd, its postgres:<major> images
// and Compose v2 (the CLI plugin rig.sh installs) beside docker-compose v1.
// Brought up once per test file (rig.sh up is idempotent and takes a lock), never taken down
// here: the runner does that after the whole suite.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunOptions, type RunResult } from './process.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const RIG_SCRIPT = resolve(REPO, 'test/docker/rig.sh');

/** The rig's stand-in for the official image of that major. */
export function imageFor(major: number): string {
  return `postgres:${major}`;
}

export interface Rig {
  dockerHost: string;
  /** The rig bridge's address on the host: containers reach published ports there. */
  gateway: string;
  /** A minimal environment for docker and docker-compose: nothing of ours leaks into compose interpolation. */
  env: NodeJS.ProcessEnv;
}

let rigPromise: Promise<Rig> | undefined;

/**
 * `rig.sh up` (the first build of the images takes a few minutes; RIG_IMAGES narrows them), then
 * check that Compose v2 answers through the docker CLI, as a user's `docker compose` would.
 */
export function rig(): Promise<Rig> {
  rigPromise ??= (async () => {
    const up = await run('bash', [RIG_SCRIPT, 'up'], { timeoutMs: 15 * 60_000 });
    const vars: Record<string, string> = {};
    for (const line of up.stdout.split('\n')) {
      const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) vars[m[1] as string] = (m[2] as string).replace(/^(['"])(.*)\1$/, '$2');
    }
    const dockerHost = vars.DOCKER_HOST;
    const gateway = vars.RIG_HOST_GATEWAY;
    if (!dockerHost || !gateway) throw new Error(`rig.sh up printed no DOCKER_HOST / RIG_HOST_GATEWAY:\n${up.stdout}\n${up.stderr}`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      LANG: 'C.UTF-8',
      DOCKER_HOST: dockerHost,
      // docker-compose 1.29 waits this long for the daemon's answers (default 60 s).
      COMPOSE_HTTP_TIMEOUT: '120',
    };
    await run('docker', ['compose', 'version'], { env });
    return { dockerHost, gateway, env };
  })();
  return rigPromise;
}

export async function docker(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { env } = await rig();
  return run('docker', args, { ...options, env });
}

const checked = new Map<number, Promise<unknown>>();

/** Fails with a clear message when the rig has no image for this major (RIG_IMAGES left it out). */
export function requireImage(major: number): Promise<unknown> {
  if (!checked.has(major)) {
    checked.set(major, docker(['image', 'inspect', '--format', '{{.Id}}', imageFor(major)]).catch(() => {
      throw new Error(`the rig has no ${imageFor(major)}; run RIG_IMAGES="${major}" test/docker/rig.sh up`);
    }));
  }
  return checked.get(major) as Promise<unknown>;
}

export { freePorts } from '../../support/ports.js';
