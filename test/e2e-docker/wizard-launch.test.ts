// The newcomer's whole path against a real Docker engine (the test rig: a private dockerd and
// locally built postgres:<major> images): the wizard's answers -> files -> launch -> a status
// table with both replicas streaming -> down -v. Twice:
//   - PostgreSQL 18 (the default) with the engine the real preflight picks on this machine: Compose
//     v2 (the `docker compose` CLI plugin), so `up -d --wait` and the v2 status path run for real;
//   - PostgreSQL 15 with docker-compose v1 pinned: the path that polls health itself.
// Podman is not run: it is not installed here (test/launch/ covers its argv with stand-ins).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENGINES } from '../../src/engine/engine.js';
import { capture } from '../../src/engine/exec.js';
import { start } from '../../src/engine/index.js';
import { preflight } from '../../src/engine/preflight.js';
import { runWizard } from '../../src/wizard/index.js';
import { composeArgv, describe, engineCommand, variants } from './support/matrix.js';
import { ENTER, scriptedPrompts } from '../wizard/scripted-prompts.js';
import { freePorts } from '../support/ports.js';

const RIG = fileURLToPath(new URL('../docker/rig.sh', import.meta.url));

/** `rig.sh up` is idempotent (0.1 s when the rig already runs) and prints `export NAME=value` lines. */
function rigEnv(): NodeJS.ProcessEnv {
  let exports: string;
  try {
    exports = execFileSync(RIG, ['up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (error) {
    throw new Error(`the Docker test rig did not come up (${(error as Error).message}); run ${RIG} up and read its output`);
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [, name, value] of exports.matchAll(/^export (\w+)=(.*)$/gm)) env[name as string] = (value as string).replace(/^'(.*)'$/, '$1');
  assert.match(env.DOCKER_HOST ?? '', /^unix:\/\//, `rig.sh up printed no DOCKER_HOST:\n${exports}`);
  return env;
}

for (const variant of variants('wizardLaunch')) {
  test(`wizard -> files -> launch [${describe(variant)}] -> both replicas streaming -> down`, { timeout: 900_000 }, async (t) => {
    const env = rigEnv();
    const [composeCommand, ...composePrefix] = composeArgv(variant.engine);
    const port = await freePorts(3); // the primary's host port and the two replicas' after it
    // A unique directory name: it is the compose project name, so parallel runs cannot collide.
    const parent = mkdtempSync(join(tmpdir(), 'pg-ha-e2e-'));
    const out = join(parent, `pgha${process.pid}`);
    const compose = (...args: string[]) => capture(composeCommand, [...composePrefix, ...args], { cwd: out, env, timeoutMs: 120_000 });
    t.after(async () => {
      const down = await compose('down', '-v', '--remove-orphans');
      rmSync(parent, { recursive: true, force: true });
      assert.ok(down.ok, `${engineCommand(variant.engine)} down -v failed: ${down.stderr}`);
    });

    const lines: string[] = [];
    const say = (line: string): void => { lines.push(line); t.diagnostic(line); };
    // Topology, major, replication user and password, superuser password, replicas; Durability
    // (asynchronous), memory and cores given (not this machine's share), storage and connections
    // as proposed; the directory; go ahead.
    const prompt = scriptedPrompts([ENTER, variant.major, ENTER, ENTER, ENTER, '2', ENTER, '512MB', '1', ENTER, ENTER, out, ENTER]);
    const result = await runWizard({
      prompt, say, settings: { PRIMARY_PORT: String(port) }, force: false, dryRun: false,
      launcher: {
        // The real preflight proves the rig's daemon answers and picks the engine. With the Compose
        // v2 plugin installed it must pick v2; the v1 variant then pins docker-compose v1 (the path
        // that polls health itself), whatever else is on PATH.
        preflight: async (outDir) => {
          const found = await preflight({ outDir, env });
          assert.equal(found.kind, 'compose-v2', 'preflight prefers the real `docker compose` plugin');
          return variant.engine === 'v2' ? found : ENGINES['compose-v1'];
        },
        start: (engine, config, outDir) => start(engine, config, outDir, { say, env, healthTimeoutMs: 300_000, streamTimeoutMs: 120_000 }),
      },
    });

    assert.equal(prompt.asked.at(-1)?.default, 'launch', 'an engine answered, so starting is the default');
    assert.ok(result.written && result.launched);
    assert.equal(result.config.pgMajor, variant.major);
    const screen = lines.join('\n');
    if (variant.engine === 'v2') {
      // Compose v2 waits for health itself: its own progress lines reach the screen.
      assert.match(screen, /^\$ docker compose up -d --wait$/m);
      for (const service of ['primary', 'replica1', 'replica2']) assert.match(screen, new RegExp(`Container \\S+-${service}-1\\s+Healthy`));
      assert.doesNotMatch(screen, /All containers healthy/, 'no polling of our own on the v2 path');
    } else {
      assert.match(screen, /^\$ docker-compose up -d$/m);
      assert.match(screen, /All containers healthy: primary healthy, replica1 healthy, replica2 healthy/);
    }
    assert.match(screen, /Replication \(pg_stat_replication on the primary\):\n {2}replica +state\n {2}replica1 +streaming\n {2}replica2 +streaming/);
    assert.match(screen, new RegExp(`primary +postgresql://postgres@127\\.0\\.0\\.1:${port}/postgres`));
    assert.match(screen, new RegExp(`replica2 +postgresql://postgres@127\\.0\\.0\\.1:${port + 2}/postgres +\\(read-only\\)`));
    for (const name of ['replication_password', 'postgres_password']) {
      assert.ok(!screen.includes(readFileSync(join(out, 'secrets', name), 'utf8')), `${name} reached the screen`);
    }

    const major = await compose('exec', '-T', 'primary', 'psql', '-U', 'postgres', '-d', 'postgres', '-Atc', "select current_setting('server_version_num')::int / 10000");
    assert.equal(major.stdout.trim(), String(variant.major), `the primary runs PostgreSQL ${variant.major}`);

    // The table is not the only witness: a row written on the primary shows up on both replicas.
    const write = await compose('exec', '-T', 'primary', 'psql', '-U', 'postgres', '-d', 'postgres', '-Atc', 'create table e2e(x int); insert into e2e values (42)');
    assert.ok(write.ok, write.stderr);
    for (const replica of ['replica1', 'replica2']) {
      let seen = '';
      for (let i = 0; i < 50 && seen !== '42'; i++) {
        seen = (await compose('exec', '-T', replica, 'psql', '-U', 'postgres', '-d', 'postgres', '-Atc', 'select x from e2e')).stdout.trim();
        if (seen !== '42') await sleep(200);
      }
      assert.equal(seen, '42', `${replica} never received the row`);
    }
  });
}
