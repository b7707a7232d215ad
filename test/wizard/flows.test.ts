// Whole wizard flows through the injected prompt object: every path, on-entry validation (the
// model's own messages, re-asked), cancellation, env-prefilled defaults, passwords typed twice.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatConfigError } from '../../src/config/errors.js';
import { parseConfig, type RawSettings } from '../../src/config/model.js';
import { loadConfig } from '../../src/generate.js';
import { ENGINES } from '../../src/engine/engine.js';
import { Cancelled, InvalidConfigError, LaunchError } from '../../src/errors.js';
import type { Launcher } from '../../src/wizard/context.js';
import { runWizard, type WizardResult } from '../../src/wizard/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { snapshotTree } from '../support/tree.js';
import { CTRL_C, ENTER, scriptedPrompts, type Answer } from './scripted-prompts.js';

interface FakeLauncher extends Launcher { started: string[] }

function fakeLauncher(ready: boolean): FakeLauncher {
  const started: string[] = [];
  return {
    started,
    async preflight(outDir) {
      if (!ready) throw new LaunchError(`No container engine found on PATH.\n  curl -fsSL https://get.docker.com | sudo sh\nThen start the stack by hand:\n  cd ${outDir} && docker compose up -d --wait`);
      return ENGINES['compose-v2'];
    },
    async start(_engine, config, outDir) {
      started.push(outDir);
      return Array.from({ length: config.mode === 'stack' ? config.replicaCount : 0 }, (_, i) => ({ name: `replica${i + 1}`, state: 'streaming' }));
    },
  };
}

/** The machine the sizing questions propose (the real one is read in test/wizard/sizing-durability.test.ts). */
const MACHINE = { memoryKb: 4 * 1048576 + 512, cpus: 2 };
const MACHINE_ANSWERS = { SYNC_REPLICAS: '0', PG_MEMORY: '4GB', PG_CPUS: '2', PG_STORAGE: 'ssd', PG_MAX_CONNECTIONS: '100' };
/** Enter on Durability, then on memory, cores, storage and connections (a replica has no Durability: slice(1)). */
const SIZED: Answer[] = [ENTER, ENTER, ENTER, ENTER, ENTER];

interface Run {
  prompt: ReturnType<typeof scriptedPrompts>;
  screen: () => string;
  launcher: FakeLauncher;
  result: Promise<WizardResult>;
}

function wizard(script: Answer[], options: { settings?: RawSettings; ready?: boolean; out?: string; force?: boolean; dryRun?: boolean } = {}): Run {
  const prompt = scriptedPrompts(script);
  const lines: string[] = [];
  const launcher = fakeLauncher(options.ready ?? true);
  const result = runWizard({
    prompt, say: (line) => lines.push(line), settings: options.settings ?? {}, out: options.out,
    force: options.force ?? false, dryRun: options.dryRun ?? false, launcher,
    machine: () => MACHINE,
  });
  return { prompt, screen: () => lines.join('\n'), launcher, result };
}

/** What --from-env (or --stack) prints for this setting: the message the wizard must show. */
function modelMessage(mode: 'stack' | 'node', settings: RawSettings, variable: string): string {
  const parsed = parseConfig(settings, { mode });
  assert.equal(parsed.ok, false);
  const errors = parsed.ok ? [] : parsed.errors.filter((e) => e.variable === variable);
  assert.ok(errors.length > 0, `the model reports ${variable}`);
  return errors.map(formatConfigError).join(' ');
}

const secretsOf = (out: string): string[] => ['replication_password', 'postgres_password']
  .filter((f) => existsSync(join(out, 'secrets', f))).map((f) => readFileSync(join(out, 'secrets', f), 'utf8'));

function assertNoSecretShown(run: Run, out: string, extra: string[] = []): void {
  const secrets = [...secretsOf(out), ...extra];
  assert.ok(secrets.length > 0);
  for (const secret of secrets) assert.ok(!run.screen().includes(secret), 'a secret reached the screen');
}

describe('single-host stack', () => {
  test('the default path: thirteen questions, every one answered with Enter but the directory', async (t) => {
    const out = join(tempDir(t), 'stack');
    const run = wizard([ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, out, ENTER]);
    const result = await run.result;
    assert.deepEqual(run.prompt.asked.map((q) => q.message), [
      'What do you want to set up?',
      'PostgreSQL major version:',
      'Replication user (the role replicas connect as):',
      'Replication password:',
      'Superuser password:',
      'How many replicas (1-8)?',
      'Durability:',
      'Memory PostgreSQL may use on each node (e.g. 4GB): (empty: PostgreSQL\'s defaults; this machine\'s 4GB and 2 core(s) shared by 3 nodes)',
      'CPU cores PostgreSQL may use on each node:',
      'Storage of the data volume:',
      'Maximum client connections (max_connections):',
      'Output directory:',
      'Go ahead?',
    ]);
    assert.equal(run.prompt.left(), 0);
    assert.equal(result.config.mode, 'stack');
    assert.deepEqual([result.config.pgMemory, result.config.pgCpus], ['1365MB', '1'], 'a third of this machine per node');
    assert.equal(result.config.pgMajor, 18);
    assert.equal(result.config.replicaCount, 2);
    assert.equal(result.config.replicationCidr, 'samenet');
    assert.ok(result.written && result.launched);
    assert.deepEqual(run.launcher.started, [out], 'the default action starts the stack');
    assert.match(readFileSync(join(out, 'compose.yaml'), 'utf8'), /replica2:/);
    for (const secret of secretsOf(out)) assert.match(secret, /^[A-Za-z0-9_-]{32}$/);
    assertNoSecretShown(run, out);
    assert.match(run.screen(), /secrets\/replication_password\s+generated now/);
    assert.match(run.screen(), /replica2\s+127\.0\.0\.1:5434\s+replica of primary:5432, slot replica2/);
    assert.match(run.screen(), /Running; 2 replica\(s\) streaming/);
  });

  test('the answers are the settings --stack reads: the same config', async (t) => {
    const out = join(tempDir(t), 'stack');
    const run = wizard([ENTER, 15, 'repl', ENTER, ENTER, '3', 'sync', '8GB', '4', 'hdd', '200', out, 'write']);
    const result = await run.result;
    assert.deepEqual(loadConfig('stack', result.settings), result.config);
    assert.equal(result.settings.PG_MAJOR, '15');
    assert.equal(result.settings.REPLICA_COUNT, '3');
    assert.equal(result.settings.REPLICATION_USER, 'repl');
    assert.deepEqual([result.config.syncReplicas, result.config.pgMemory, result.config.pgCpus, result.config.pgStorage, result.config.maxConnections], [1, '8GB', '4', 'hdd', '200']);
    assert.deepEqual(run.launcher.started, [], '"Write the files only" starts nothing');
    assert.match(run.screen(), /docker compose up -d --wait/, 'and says how to start it');
  });

  test('no engine: starting is impossible to choose, the default writes only, and the fix is shown', async (t) => {
    const out = join(tempDir(t), 'stack');
    const run = wizard([ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, out, ENTER], { ready: false });
    const result = await run.result;
    const go = run.prompt.asked.at(-1);
    assert.equal(go?.default, 'write');
    assert.ok(go?.choices?.find((c) => c.value === 'launch')?.disabled);
    assert.ok(result.written && !result.launched);
    assert.match(run.screen(), /curl -fsSL https:\/\/get\.docker\.com \| sudo sh/);
    await assert.rejects(wizard([ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, join(tempDir(t), 'x'), 'launch'], { ready: false }).result, /disabled/);
  });

  test('bad answers show the model\'s message and are asked again', async (t) => {
    const out = join(tempDir(t), 'stack');
    const run = wizard([ENTER, ENTER, 'postgres', 'pg_repl', 'has space', ' repl ', ENTER, ENTER, '9', 'two', '', '4', ...SIZED, out, 'write']);
    const result = await run.result;
    const user = run.prompt.asked[2];
    assert.deepEqual(user?.errors, [
      modelMessage('stack', { REPLICATION_USER: 'postgres' }, 'REPLICATION_USER'),
      modelMessage('stack', { REPLICATION_USER: 'pg_repl' }, 'REPLICATION_USER'),
      modelMessage('stack', { REPLICATION_USER: 'has space' }, 'REPLICATION_USER'),
    ]);
    assert.match(user?.errors[0] ?? '', /^REPLICATION_USER is the same role as POSTGRES_USER \("postgres"\)\. Fix: /);
    assert.equal(result.config.replicationUser, 'repl', 'a pasted answer\'s stray spaces are trimmed');
    const count = run.prompt.asked[5];
    assert.deepEqual(count?.errors, ['9', 'two', ''].map((n) => modelMessage('stack', { REPLICA_COUNT: n }, 'REPLICA_COUNT')));
    assert.match(count?.errors[0] ?? '', /^REPLICA_COUNT is 9, outside 1\.\.8\. Fix: set REPLICA_COUNT from 1 to 8\.$/);
    assert.equal(result.config.replicaCount, 4);
  });

  test('a password typed twice: a mismatch is asked again, an empty one is refused, neither is shown', async (t) => {
    const out = join(tempDir(t), 'stack');
    const run = wizard([ENTER, ENTER, ENTER, 'typed', 'first-try-1', 'first-try-2', '', 'S3cret pass #1', 'S3cret pass #1', ENTER, ENTER, ...SIZED, out, 'write']);
    await run.result;
    assert.match(run.screen(), /The two entries differ; type it again\./);
    const passwordQuestions = run.prompt.asked.filter((q) => q.kind === 'password');
    assert.equal(passwordQuestions.length, 4, 'twice, then twice again');
    assert.deepEqual(passwordQuestions[2]?.errors, [modelMessage('stack', { REPLICATION_PASSWORD: '' }, 'REPLICATION_PASSWORD')]);
    assert.equal(readFileSync(join(out, 'secrets/replication_password'), 'utf8'), 'S3cret pass #1');
    assertNoSecretShown(run, out, ['first-try-1', 'first-try-2']);
    assert.match(run.screen(), /secrets\/replication_password\s+as you typed it/);
  });

  test('--dry-run shows the summary and the plan, asks nothing more and writes nothing', async (t) => {
    const dir = tempDir(t);
    const run = wizard([ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, join(dir, 'stack')], { dryRun: true });
    const result = await run.result;
    assert.equal(result.written, false);
    assert.match(run.screen(), /create\s+0600 secrets\/replication_password/);
    assert.match(run.screen(), /nothing was written/);
    assert.deepEqual(snapshotTree(dir), {});
  });
});

describe('this host\'s node', () => {
  test('primary: generated replication password, the same bundle --from-env makes from the answers', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'primary');
    const run = wizard(['primary', ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, out, 'write']);
    const result = await run.result;
    assert.equal(run.prompt.asked.length, 13);
    assert.equal(run.prompt.asked[5]?.message.startsWith('Addresses allowed to replicate'), true);
    assert.equal(result.config.role, 'primary');
    assert.equal(result.config.replicationCidr, '0.0.0.0/0');
    assert.equal(result.settings.REPLICATION_ROLE, 'primary');
    const replication = readFileSync(join(out, 'secrets/replication_password'), 'utf8');
    assert.equal(result.settings.REPLICATION_PASSWORD, replication);
    assertNoSecretShown(run, out);
    assert.match(run.screen(), /give each replica a copy/);

    // The settings map is what --from-env reads: the CLI renders the same files from it.
    const env = Object.fromEntries(Object.entries(result.settings).filter((e): e is [string, string] => e[1] !== undefined));
    const viaEnv = runCli(['--from-env', '--out', join(dir, 'via-env')], env);
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    const strip = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([p]) => p !== 'secrets/postgres_password'));
    assert.deepEqual(strip(snapshotTree(join(dir, 'via-env'))), strip(snapshotTree(out)));
  });

  test('primary again in its own directory: the replication password already there is kept', async (t) => {
    const out = join(tempDir(t), 'primary');
    await wizard(['primary', ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, out, 'write']).result;
    const before = snapshotTree(out);
    const again = wizard(['primary', ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, out, 'write']);
    await again.result;
    assert.deepEqual(again.prompt.asked[11]?.errors, [], 'no conflict');
    assert.match(again.screen(), /secrets\/replication_password\s+kept/);
    assert.deepEqual(snapshotTree(out), before);
  });

  test('replica: primary host and port, a unique name, the primary\'s password from a file', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'replica');
    const copy = join(dir, 'replication_password');
    writeFileSync(copy, 'from-the-primary\n');
    const run = wizard([
      'replica', 15,
      'db1 example', 'db1.example.com', '70000', '6543',
      'Replica-2', 'replica2',
      ENTER,
      ENTER, join(dir, 'missing'), copy,
      '10.0.0.0/33', '10.0.0.0/24',
      ...SIZED.slice(1), out, 'write',
    ]);
    const result = await run.result;
    const node = { REPLICATION_ROLE: 'replica' };
    const errorsOf = (message: string) => run.prompt.asked.find((q) => q.message.startsWith(message))?.errors;
    assert.deepEqual(errorsOf('Primary\'s host'), [modelMessage('node', { ...node, PRIMARY_HOST: 'db1 example' }, 'PRIMARY_HOST')]);
    assert.deepEqual(errorsOf('Port the primary'), [modelMessage('node', { ...node, PRIMARY_PORT: '70000' }, 'PRIMARY_PORT')]);
    assert.deepEqual(errorsOf('This replica\'s name'), [modelMessage('node', { ...node, REPLICA_NAME: 'Replica-2' }, 'REPLICA_NAME')]);
    assert.deepEqual(errorsOf('Path of that file'), [modelMessage('node', { ...node, REPLICATION_PASSWORD_FILE: join(dir, 'missing') }, 'REPLICATION_PASSWORD_FILE')]);
    assert.deepEqual(errorsOf('Addresses allowed'), [modelMessage('node', { ...node, REPLICATION_CIDR: '10.0.0.0/33' }, 'REPLICATION_CIDR')]);
    assert.ok(!run.prompt.asked.some((q) => q.message.startsWith('Superuser password')), 'a replica has the primary\'s superuser');
    assert.equal(result.config.primaryHost, 'db1.example.com');
    assert.equal(result.config.primaryPort, 6543);
    assert.equal(result.config.replicaName, 'replica2');
    assert.equal(readFileSync(join(out, 'secrets/replication_password'), 'utf8'), 'from-the-primary');
    const env = readFileSync(join(out, 'env/replica.env'), 'utf8');
    assert.match(env, /^PRIMARY_HOST=db1\.example\.com$/m);
    assert.match(env, /^REPLICA_NAME=replica2$/m);
    assert.match(run.screen(), /this host's replica "replica2" of db1\.example\.com:6543/);
    assertNoSecretShown(run, out);
  });

  test('a directory holding a different bundle is refused at the question, with the files named', async (t) => {
    const dir = tempDir(t);
    const taken = join(dir, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'compose.yaml'), '# mine\n');
    const run = wizard(['primary', ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, taken, join(dir, 'free'), 'write']);
    await run.result;
    assert.match(run.prompt.asked[11]?.errors[0] ?? '', /holds files that differ .*compose\.yaml.*--force/);
    assert.equal(readFileSync(join(taken, 'compose.yaml'), 'utf8'), '# mine\n');
  });
});

describe('defaults from the environment and flags', () => {
  test('variables already set are the defaults, so Enter reproduces --from-env', async (t) => {
    const out = join(tempDir(t), 'node');
    const settings = {
      REPLICATION_ROLE: 'primary', PG_MAJOR: '15', REPLICATION_USER: 'repl', REPLICATION_PASSWORD: 'from-env-pw',
      REPLICATION_CIDR: '10.1.0.0/16', POSTGRES_PASSWORD_FILE: join(tempDir(t), 'nope'),
    };
    writeFileSync(settings.POSTGRES_PASSWORD_FILE, 'su-from-file\n');
    const run = wizard([ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, out, ENTER], { settings });
    const result = await run.result;
    assert.deepEqual(run.prompt.asked.slice(0, 6).map((q) => q.default), ['primary', 15, 'repl', 'environment', 'environment', '10.1.0.0/16']);
    // Enter on the sizing questions takes this (injected) machine's 4GB and 2 cores; async by default.
    assert.deepEqual(result.config, loadConfig('node', { ...settings, ...MACHINE_ANSWERS }));
    assert.equal(readFileSync(join(out, 'secrets/replication_password'), 'utf8'), 'from-env-pw');
    assert.equal(readFileSync(join(out, 'secrets/postgres_password'), 'utf8'), 'su-from-file');
    assert.match(run.screen(), /read from POSTGRES_PASSWORD_FILE=/);
    assertNoSecretShown(run, out);
  });

  test('--out is the directory\'s default', async (t) => {
    const out = join(tempDir(t), 'flagged');
    const run = wizard([ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, ENTER, 'write'], { out });
    assert.equal((await run.result).outDir, out);
  });

  for (const [variable, value] of [['USE_PATRONI', 'true'], ['USE_CITUS', 'yes']] as const) {
    test(`${variable}=${value}: stops before the first question with the model's message`, async () => {
      const run = wizard([ENTER], { settings: { [variable]: value } });
      await assert.rejects(run.result, (error: unknown) => {
        assert.ok(error instanceof InvalidConfigError);
        assert.equal(error.message, modelMessage('stack', { [variable]: value }, variable));
        assert.match(error.message, /cannot be combined with (Patroni|Citus)/);
        return true;
      });
      assert.equal(run.prompt.asked.length, 0);
    });
  }
});

describe('cancellation', () => {
  const path = (out: string): Answer[] => [ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, out, ENTER];
  for (let at = 0; at < 13; at++) {
    test(`Ctrl-C at question ${at + 1}: Cancelled (exit 130), nothing written`, async (t) => {
      const dir = tempDir(t);
      const script = path(join(dir, 'stack'));
      script[at] = CTRL_C;
      const run = wizard(script);
      await assert.rejects(run.result, (error: unknown) => error instanceof Cancelled && error.exitCode === 130);
      assert.deepEqual(snapshotTree(dir), {});
      assert.deepEqual(run.launcher.started, []);
    });
  }

  test('"Cancel" at the summary writes nothing either', async (t) => {
    const dir = tempDir(t);
    const run = wizard([ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ...SIZED, join(dir, 'stack'), 'cancel']);
    await assert.rejects(run.result, Cancelled);
    assert.deepEqual(snapshotTree(dir), {});
  });
});
