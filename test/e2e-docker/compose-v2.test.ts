// What Compose v2 (`docker compose`, 2.40) does differently from docker-compose v1 (1.29), where a
// generated bundle could be hit, each checked against both real engines on the rig:
//   1. env files: both engines interpolate `${VAR}` in env_file values, and they disagree on
//      `$VAR` and on single quotes; the bundles' env files never hold a `$`, and every value
//      reaches the container unchanged with either engine;
//   2. healthcheck start_interval: v1 rejects the file, v2 refuses it on Docker Engine < 25 (the
//      rig's 20.10); the bundles never use it;
//   3. `docker compose up -d --wait` with a replica whose first start lasts longer than the
//      healthcheck's retries: start_period keeps it "starting", so --wait holds until it streams;
//      with a short start_period --wait gives up while the replica still waits;
//   4. project names from the directory name: the two engines agree on capitals, dots and spaces,
//      and disagree on a leading "-" or "_" and on names with no [a-z0-9] at all; a `.env` with
//      COMPOSE_PROJECT_NAME pins the same name for both.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { literalEnv, renderBundle, type Bundle } from './support/bundle.js';
import { composeArgv, engineCommand, type EngineName } from './support/matrix.js';
import { run, waitFor, type RunResult } from './support/process.js';
import { docker, freePorts, imageFor, requireImage, rig } from './support/rig.js';
import { scenario, waitStreaming } from './support/scenario.js';

const ENGINES: readonly EngineName[] = ['v2', 'v1'];

/** A compose command of `engine` in `dir`, with no -p: the project name comes from the directory (or .env). */
async function composeIn(engine: EngineName, dir: string, args: readonly string[], check = true): Promise<RunResult> {
  const { env } = await rig();
  const [command, ...prefix] = composeArgv(engine);
  return run(command, [...prefix, ...args], { cwd: dir, env, check, timeoutMs: 120_000 });
}

function scratchDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pg-ha-e2e-v2-${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The bundles a user can render: a stack, a per-host primary, a per-host replica. */
function renderAll(t: TestContext, major: number, settings: Record<string, string> = {}): Bundle[] {
  const pgMajor = String(major);
  return [
    renderBundle(scratchDir(t, 'stack'), 'stack', { PG_MAJOR: pgMajor, REPLICA_COUNT: '2', ...settings }),
    renderBundle(scratchDir(t, 'primary'), 'node', { PG_MAJOR: pgMajor, REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'not-used', ...settings }),
    renderBundle(scratchDir(t, 'replica'), 'node', {
      PG_MAJOR: pgMajor, REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1.example.internal', REPLICA_NAME: 'replica_7', REPLICATION_PASSWORD: 'not-used', ...settings,
    }),
  ];
}


test('env files: no `$` in any bundle, and every value reaches Compose unchanged with v2 and v1', { timeout: 240_000 }, async (t) => {
  await rig();
  // The accepted hostile role names (every character an env file allows) in every variable that lands in an env file.
  const settings = { REPLICATION_USER: 'repl:&=%@/-x', POSTGRES_USER: '-su:&=%@/ü', POSTGRES_DB: 'db-é:&=%@/x' };
  for (const major of [18, 15]) {
    for (const bundle of renderAll(t, major, settings)) {
      const compose = parse(bundle.read('compose.yaml')) as { services: Record<string, { env_file: string[]; environment?: Record<string, string> }> };
      for (const [service, def] of Object.entries(compose.services)) {
        const file = def.env_file[0] as string;
        const text = bundle.read(file);
        assert.ok(!text.includes('$'), `${bundle.mode}/${file} holds a "$": Compose v1 and v2 would interpolate it`);
        // The env file's values, plus what compose.yaml sets itself (PGHA_NODE_ENV_FILE).
        const want = { ...literalEnv(text), ...def.environment };
        for (const engine of ENGINES) {
          // `config` resolves env_file with the same loader as `up`.
          const out = await composeIn(engine, bundle.dir, ['-p', 'pghaenvcheck', 'config']);
          const got = (parse(out.stdout) as { services: Record<string, { environment: Record<string, string> }> }).services[service]?.environment;
          assert.deepEqual(got, want, `PG ${major} ${bundle.mode} ${service}: ${engineCommand(engine)} config`);
        }
      }
    }
  }
});

test('why: both engines rewrite `$` in env files, and not the same way (real containers)', { timeout: 240_000 }, async (t) => {
  const { env } = await rig();
  await requireImage(18);
  const dir = scratchDir(t, 'dollar');
  writeFileSync(join(dir, 'compose.yaml'), `services:\n  probe:\n    image: ${imageFor(18)}\n    command: ['sleep', '300']\n    env_file: [probe.env]\n    network_mode: none\n`);
  // HOME is set in the tests' environment (rig.ts), USER is not.
  writeFileSync(join(dir, 'probe.env'), "BRACED=a${HOME}b\nBARE=a$USER-b\nSINGLE='s ${HOME} s'\nHASH=x #y\n");
  const seen: Record<string, Record<string, string>> = {};
  for (const engine of ENGINES) {
    const project = `pghadollar${engine}`;
    try {
      await composeIn(engine, dir, ['-p', project, 'up', '-d']);
      const id = (await composeIn(engine, dir, ['-p', project, 'ps', '-q'])).stdout.trim();
      const envList = JSON.parse((await docker(['inspect', '--format', '{{json .Config.Env}}', id])).stdout) as string[];
      seen[engine] = literalEnv(envList.filter((e) => /^(BRACED|BARE|SINGLE|HASH)=/.test(e)).join('\n'));
    } finally {
      await composeIn(engine, dir, ['-p', project, 'down', '-t', '0'], false);
    }
  }
  const home = env.HOME as string;
  assert.deepEqual(seen.v2, { BRACED: `a${home}b`, BARE: 'a-b', SINGLE: 's ${HOME} s', HASH: 'x' });
  assert.deepEqual(seen.v1, { BRACED: `a${home}b`, BARE: 'a$USER-b', SINGLE: `s ${home} s`, HASH: 'x' });
});

test('healthcheck start_interval: v1 rejects the file, v2 refuses it on Engine 20.10; no bundle uses it', { timeout: 240_000 }, async (t) => {
  await rig();
  for (const major of [18, 15]) {
    for (const bundle of renderAll(t, major)) assert.doesNotMatch(bundle.read('compose.yaml'), /start_interval/, `PG ${major} ${bundle.mode}`);
  }
  const [stack] = renderAll(t, 18);
  const bundle = stack as Bundle;
  writeFileSync(join(bundle.dir, 'compose.yaml'), bundle.read('compose.yaml').replace(/^( +)start_period: .*$/gm, (line, indent: string) => `${line}\n${indent}start_interval: 1s`));
  const v1 = await composeIn('v1', bundle.dir, ['-p', 'pghastartv1', 'config', '-q'], false);
  assert.notEqual(v1.code, 0);
  assert.match(v1.stderr, /healthcheck value 'start_interval' does not match/);
  const v2config = await composeIn('v2', bundle.dir, ['-p', 'pghastartv2', 'config', '-q'], false);
  assert.equal(v2config.code, 0, 'v2 accepts the file');
  try {
    const up = await composeIn('v2', bundle.dir, ['-p', 'pghastartv2', 'up', '-d', 'primary'], false);
    assert.notEqual(up.code, 0, 'v2 cannot start it on this engine');
    assert.match(up.stderr, /start_interval as feature require Docker Engine v25 or later/);
    const running = await docker(['ps', '-q', '--filter', 'label=com.docker.compose.project=pghastartv2']);
    assert.equal(running.stdout.trim(), '', 'nothing runs');
  } finally {
    await composeIn('v2', bundle.dir, ['-p', 'pghastartv2', 'down', '-v', '-t', '0'], false);
  }
});

test('`docker compose up -d --wait` holds through a replica\'s long first start (start_period), and gives up without it [PG 18, docker compose (v2)]', { timeout: 420_000 }, async (t) => {
  await scenario(t, 'v2: up --wait and start_period', { major: 18, engine: 'v2' }, async (s) => {
    const password = `wait-${Math.random().toString(36).slice(2)}`;
    const primary = await s.perHostPrimary('wait', { REPLICATION_PASSWORD: password });
    const real = await s.perHostReplica('wait', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica1' });
    const short = await s.perHostReplica('wait-short', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica2' });
    // The same bundle with start_period cut to 5 s: the retries (15 x 2 s) then count at once.
    const shortCompose = short.bundle.read('compose.yaml');
    assert.match(shortCompose, /start_period: '10m'/);
    writeFileSync(join(short.bundle.dir, 'compose.yaml'), shortCompose.replace(/start_period: '10m'/, "start_period: '5s'"));

    // The primary exists but is not started: both replicas wait for it, as a first clone of a big primary would.
    const started = Date.now();
    const waitReal = real.project.compose(['up', '-d', '--wait'], { check: false, timeoutMs: 300_000 });
    const waitShort = short.project.compose(['up', '-d', '--wait'], { check: false, timeoutMs: 300_000 });

    const shortResult = await waitShort;
    const shortMs = Date.now() - started;
    s.metric('start_period 5s: up --wait gave up after', shortMs, 'ms');
    assert.notEqual(shortResult.code, 0, 'with a short start_period, --wait fails while the replica still waits');
    assert.match(shortResult.stdout + shortResult.stderr, /unhealthy/);
    const [shortState] = await short.project.states(['replica']);
    assert.equal(shortState?.status, 'running', 'the replica itself keeps waiting for its primary');

    // Past retries x interval (30 s), the real bundle's replica is still "starting", its probes failing.
    const inspect = await real.project.inspect('replica');
    assert.equal(inspect.State.Health.Status, 'starting');
    assert.ok((inspect.State.Health.Log as { ExitCode: number }[]).some((l) => l.ExitCode !== 0), 'its probes fail: only start_period keeps it "starting"');
    assert.ok(Date.now() - started > 30_000);
    await delayUntil(started + 45_000);
    const stillWaiting = await Promise.race([waitReal.then(() => 'returned'), new Promise((r) => { setTimeout(() => r('waiting'), 100); })]);
    assert.equal(stillWaiting, 'waiting', '--wait still holds after 45 s');

    const primaryUp = Date.now();
    await primary.project.up();
    const realResult = await waitReal;
    s.metric('start_period 10m: up --wait returned after', Date.now() - started, 'ms');
    s.metric('primary up -> the replica\'s up --wait returned', Date.now() - primaryUp, 'ms');
    assert.equal(realResult.code, 0, `--wait succeeded: ${realResult.stderr}`);
    await waitStreaming(primary.node, [{ node: real.node, name: 'replica1' }, { node: short.node, name: 'replica2' }], 120_000);
    assert.equal((await real.project.inspect('replica')).State.Health.Status, 'healthy');
  });
});

async function delayUntil(at: number): Promise<void> {
  const ms = at - Date.now();
  if (ms > 0) await new Promise((r) => { setTimeout(r, ms); });
}

/** The project name an engine derives in `dir` (v2: `config`; v1: the network `up --no-start` creates). */
async function projectName(engine: EngineName, dir: string): Promise<string> {
  if (engine === 'v2') {
    const r = await composeIn('v2', dir, ['config', '--format', 'json'], false);
    return r.code === 0 ? (JSON.parse(r.stdout) as { name: string }).name : `error: ${r.stderr.trim().split('\n').at(-1)}`;
  }
  const r = await composeIn('v1', dir, ['up', '--no-start'], false);
  try {
    const m = /Creating network "(.*)_default"/.exec(r.stderr);
    return m ? (m[1] as string) : `error: ${r.stderr.trim().split('\n').at(-1)}`;
  } finally {
    await composeIn('v1', dir, ['down', '-v'], false);
  }
}

test('project names from the directory: v1 and v2 agree on capitals and dots, not on a leading "-" or "_"; .env pins one name', { timeout: 240_000 }, async (t) => {
  await rig();
  const parent = scratchDir(t, 'names');
  const [template] = renderAll(t, 18, { REPLICA_COUNT: '1' });
  const cases: [string, string, string][] = [
    // directory, v2, v1
    ['Pg.HA-Bundle', 'pgha-bundle', 'pgha-bundle'],
    ['My Stack 1.5', 'mystack15', 'mystack15'],
    ['-db', 'db', '-db'],
    ['_db', 'db', '_db'],
    ['数据库', 'error: project name must not be empty', ''],
  ];
  for (const [name, v2, v1] of cases) {
    const dir = join(parent, name);
    mkdirSync(dir);
    cpSync((template as Bundle).dir, dir, { recursive: true });
    assert.equal(await projectName('v2', dir), v2, `v2 in "${name}"`);
    assert.equal(await projectName('v1', dir), v1, `v1 in "${name}"`);
    // The remedy: COMPOSE_PROJECT_NAME in .env (both engines read it; v1 rejects a top-level `name:`).
    writeFileSync(join(dir, '.env'), 'COMPOSE_PROJECT_NAME=pgha-pinned\n');
    for (const engine of ENGINES) assert.equal(await projectName(engine, dir), 'pgha-pinned', `${engine} with .env in "${name}"`);
  }
  // Why not a top-level `name:` in compose.yaml: v1 rejects the file.
  const pinned = join(parent, 'pinned');
  cpSync((template as Bundle).dir, pinned, { recursive: true });
  writeFileSync(join(pinned, 'compose.yaml'), `name: pgha-pinned\n${readFileSync(join(pinned, 'compose.yaml'), 'utf8')}`);
  assert.match((await composeIn('v1', pinned, ['config', '-q'], false)).stderr, /'name' does not match any of the regexes/);
  assert.equal(await projectName('v2', pinned), 'pgha-pinned');
});
