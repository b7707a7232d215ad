// Preflight with the real docker CLI and compose from PATH against a daemon that is not there.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { preflightFailure } from '../../engine/preflight-failure.js';
import { runCli } from '../../support/cli.js';
import { tempDir } from '../../support/tmp.js';

const OUT = '/srv/bundle';

const failure = (env: NodeJS.ProcessEnv): Promise<string> => preflightFailure(OUT, env);

test('DOCKER_HOST=unix:///nonexistent.sock: "is DOCKER_HOST right?" and the commands to check or drop it', async () => {
  // The real docker CLI and compose from PATH (the test rig installs both).
  const message = await failure({ DOCKER_HOST: 'unix:///nonexistent.sock' });
  assert.match(message, /^The Docker daemon at DOCKER_HOST=unix:\/\/\/nonexistent\.sock does not answer \(.*nonexistent\.sock.*\)\. Is DOCKER_HOST right\?/);
  assert.ok(message.includes('\n  DOCKER_HOST=unix:///nonexistent.sock docker info\n'), message);
  assert.ok(message.includes('\n  unset DOCKER_HOST\n'), message);
  assert.match(message, new RegExp(`\\n  cd ${OUT} && (docker compose up -d --wait|docker-compose up -d)$`));
});

test('--from-env --launch with DOCKER_HOST at nothing: exit 1, "Is DOCKER_HOST right?"', (t) => {
  const out = join(tempDir(t), 'primary');
  const run = runCli(['--from-env', '--launch', '--out', out], { REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw-launch-1', DOCKER_HOST: 'unix:///nonexistent.sock' });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /Is DOCKER_HOST right\?/);
  assert.ok(!run.stderr.includes('pw-launch-1') && !run.stdout.includes('pw-launch-1'));
});
