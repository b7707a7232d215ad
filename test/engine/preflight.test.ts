// Preflight failures name the exact command to run by hand. No engine on PATH is real (an empty
// PATH); the rest use stand-in scripts. The real docker CLI against a daemon that does not answer
// runs in test/e2e/engine/preflight-docker-host.test.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { preflight } from '../../src/engine/preflight.js';
import { preflightFailure } from './preflight-failure.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { fakeBin } from './fake-bin.js';

const OUT = '/srv/bundle';

const failure = (env: NodeJS.ProcessEnv): Promise<string> => preflightFailure(OUT, env);

describe('preflight against nothing real', () => {
  test('PATH with no engine: how to install Docker, then the command that starts the bundle', async (t) => {
    const message = await failure({ PATH: fakeBin(t) });
    assert.match(message, /^No container engine found on PATH/);
    assert.ok(message.includes('\n  curl -fsSL https://get.docker.com | sudo sh'), message);
    assert.ok(message.includes(`\n  cd ${OUT} && docker compose up -d --wait`), message);
  });
});

describe('preflight with stand-in engines', () => {
  const answers = 'case "$1" in info) echo 20.10.24;; *) echo "Docker version 28";; esac';

  test('docker without compose: install the plugin', async (t) => {
    const PATH = fakeBin(t, { docker: 'case "$1" in compose) echo "docker: unknown command: docker compose" >&2; exit 1;; esac; echo "Docker version 28"' });
    const message = await failure({ PATH });
    assert.match(message, /^Docker is installed, but neither the Compose plugin/);
    assert.ok(message.includes('\n  sudo apt-get install -y docker-compose-plugin'), message);
  });

  test('podman without a compose provider: install podman-compose', async (t) => {
    const PATH = fakeBin(t, { podman: 'case "$1" in compose) exit 125;; esac; echo "podman version 4"' });
    const message = await failure({ PATH });
    assert.ok(message.includes('\n  sudo apt-get install -y podman-compose\n'), message);
    assert.ok(message.includes(`\n  cd ${OUT} && podman compose up -d`), message);
  });

  test('local daemon down: start it', async (t) => {
    const PATH = fakeBin(t, { docker: 'case "$1" in info) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1;; esac; echo "Docker Compose version v2.30.0"' });
    const message = await failure({ PATH, DOCKER_HOST: undefined });
    assert.ok(message.includes('\n  sudo systemctl start docker'), message);
    assert.ok(message.includes(`\n  cd ${OUT} && docker compose up -d --wait`), message);
  });

  test('no permission on the socket: join the docker group', async (t) => {
    const PATH = fakeBin(t, { docker: 'case "$1" in info) echo "permission denied while trying to connect to the Docker daemon socket" >&2; exit 1;; esac; echo ok' });
    const message = await failure({ PATH, DOCKER_HOST: undefined });
    assert.ok(message.includes('\n  sudo usermod -aG docker "$USER"'), message);
  });

  test('compose v1 with a docker CLI and a daemon that answers is taken', async (t) => {
    const PATH = fakeBin(t, { docker: `case "$1" in compose) exit 1;; esac; ${answers}`, 'docker-compose': 'echo "docker-compose version 1.29.2"' });
    assert.equal((await preflight({ outDir: OUT, env: { PATH, DOCKER_HOST: undefined } })).kind, 'compose-v1');
  });
});

describe('--launch from the CLI', () => {
  test('--stack --launch with no engine: the files are written, exit 1, the command to run is printed', (t) => {
    const out = join(tempDir(t), 'stack');
    const run = runCli(['--stack', '--launch', '--out', out], { PATH: fakeBin(t) });
    assert.equal(run.status, 1, run.stderr);
    assert.ok(run.stderr.includes('curl -fsSL https://get.docker.com | sudo sh'), run.stderr);
    assert.ok(run.stderr.includes(`cd ${out} && docker compose up -d --wait`), run.stderr);
    assert.ok(existsSync(join(out, 'compose.yaml')));
  });

  test('--launch with --dry-run is refused (exit 2)', () => {
    const run = runCli(['--stack', '--launch', '--dry-run']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--launch .*--dry-run/);
  });
});
