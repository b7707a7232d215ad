// `pg-ha-init status` without a Docker engine. Only the engine transport is faked: a stand-in for
// `<engine> exec -T <service> psql` that answers with what NODE_STATE_SQL prints on PostgreSQL 15
// (the cluster library's own fixtures, turned back into psql's JSON line), and for the engine's
// container list. Everything above it runs for real: the manifest and env files of a bundle
// rendered by the real renderer, the project-name rules, the cluster library's parsing, view,
// warnings, table and JSON, the flag parser, and the CLI process with its exit codes. The same
// command against real engines and servers: test/e2e-docker/status.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import { parseCommandLine } from '../../src/args.js';
import { NODE_STATE_SQL, type NodeState } from '../../src/cluster/index.js';
import { declaredNodes, normalizeProjectName, projectNameFor, status, statusReport, type StatusTransport } from '../../src/commands/status.js';
import { UsageError } from '../../src/errors.js';
import { generate, loadConfig } from '../../src/generate.js';
import { readManifest } from '../../src/output/manifest.js';
import { primaryState, replicaState, slot, walsender } from '../cluster/fixtures.js';
import { fakeBin } from '../engine/fake-bin.js';
import { tempDir } from '../support/tmp.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
// Absolute, so the CLI also runs with its working directory outside the repository.
const TSX = import.meta.resolve('tsx');

/** The CLI as a user runs it: its own process, a clean environment (test/support/cli.ts, plus cwd anywhere). */
function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** psql's JSON line for a node state (NODE_STATE_SQL's keys, before parseNodeState). */
function psqlLine(state: NodeState): string {
  const { timeline, ...rest } = state;
  return JSON.stringify({ ...rest, insertTimeline: state.inRecovery ? null : timeline, minRecoveryEndTimeline: 0 });
}

/** A bundle as `pg-ha-init --stack` or `--from-env` writes it. */
function bundle(t: TestContext, mode: 'stack' | 'node', settings: Record<string, string>, name = 'pg-ha-stack'): string {
  const dir = join(tempDir(t), name);
  generate(loadConfig(mode, { REPLICATION_PASSWORD: 'x'.repeat(20), POSTGRES_PASSWORD: 'y'.repeat(20), ...settings }), { outDir: dir, dryRun: false, force: false });
  return dir;
}

interface Fake { transport: StatusTransport; asked: string[] }

/** The engine transport alone: container states by service, psql's answer by service. */
function fakeEngine(containers: Record<string, string>, answers: Record<string, NodeState | string>): Fake {
  const asked: string[] = [];
  return {
    asked,
    transport: {
      containers: async () => new Map(Object.entries(containers)),
      async sql(service, sql) {
        assert.equal(sql, NODE_STATE_SQL, 'status asks each node the library\'s one statement');
        asked.push(service);
        const answer = answers[service];
        if (answer === undefined) return { ok: false, stdout: '', stderr: `no answer scripted for ${service}` };
        if (typeof answer === 'string') return { ok: false, stdout: '', stderr: answer };
        return { ok: true, stdout: psqlLine(answer), stderr: '' };
      },
    },
  };
}

const RUNNING = { primary: 'running', replica1: 'running', replica2: 'running' };

function healthyAnswers(): Record<string, NodeState> {
  return {
    primary: primaryState({ replication: [walsender('replica1'), walsender('replica2')], slots: [slot('replica1'), slot('replica2')] }),
    replica1: replicaState('replica1'),
    replica2: replicaState('replica2'),
  };
}

async function report(dir: string, fake: Fake, project = 'pg-ha-stack') {
  return statusReport({ dir, project: { name: project, source: 'test' }, engine: 'docker compose', manifest: readManifest(dir) }, fake.transport);
}

describe('the compose project name, by Compose\'s rules', () => {
  test('a directory name is normalised as Compose v2 does (the cases compose-v2.test.ts checks on both engines)', () => {
    assert.equal(normalizeProjectName('Pg.HA-Bundle'), 'pgha-bundle');
    assert.equal(normalizeProjectName('My Stack 1.5'), 'mystack15');
    assert.equal(normalizeProjectName('-db'), 'db');
    assert.equal(normalizeProjectName('_db'), 'db');
    assert.equal(normalizeProjectName('数据库'), '');
  });

  test('--project-name, then COMPOSE_PROJECT_NAME from the environment, then the bundle\'s .env, then the directory', (t) => {
    const dir = join(tempDir(t), 'My.Bundle');
    mkdirSync(dir);
    assert.deepEqual(projectNameFor(dir, {}), { name: 'mybundle', source: 'the directory name "My.Bundle"' });
    writeFileSync(join(dir, '.env'), '# pinned\nCOMPOSE_PROJECT_NAME="pinned-1"\n');
    assert.equal(projectNameFor(dir, {}).name, 'pinned-1');
    assert.equal(projectNameFor(dir, { COMPOSE_PROJECT_NAME: 'from-env' }).name, 'from-env');
    assert.equal(projectNameFor(dir, { COMPOSE_PROJECT_NAME: 'from-env' }, 'flag').name, 'flag');
  });

  test('a name Compose refuses, or none at all, is a usage error that names the fix', (t) => {
    const dir = join(tempDir(t), '数据库');
    mkdirSync(dir);
    assert.throws(() => projectNameFor(dir, {}), (e: unknown) => e instanceof UsageError && /--project-name NAME/u.test(e.message));
    assert.throws(() => projectNameFor(dir, {}, 'My_Project'), (e: unknown) => e instanceof UsageError && /--project-name is "My_Project", which Compose refuses/u.test(e.message));
    assert.throws(() => projectNameFor(dir, { COMPOSE_PROJECT_NAME: '-x' }), /COMPOSE_PROJECT_NAME in the environment is "-x"/u);
  });
});

describe('the nodes a bundle declares', () => {
  test('a stack: every service, roles from the env files, which win over the manifest', (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '2' });
    const manifest = readManifest(dir);
    assert.deepEqual(declaredNodes(dir, manifest), [
      { name: 'primary', service: 'primary', declaredRole: 'primary', applicationName: 'primary' },
      { name: 'replica1', service: 'replica1', declaredRole: 'replica', applicationName: 'replica1' },
      { name: 'replica2', service: 'replica2', declaredRole: 'replica', applicationName: 'replica2' },
    ]);
    const env = join(dir, 'env', 'replica1.env');
    writeFileSync(env, readFileSync(env, 'utf8').replace(/^REPLICATION_ROLE=replica$/mu, 'REPLICATION_ROLE=primary'));
    assert.equal(declaredNodes(dir, manifest)[1]?.declaredRole, 'primary');
  });

  test('a per-host replica is named by its REPLICA_NAME, the name its primary knows it by', (t) => {
    const dir = bundle(t, 'node', { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1.internal', REPLICA_NAME: 'east_1' }, 'pg-ha-replica');
    assert.deepEqual(declaredNodes(dir, readManifest(dir)), [{ name: 'east_1', service: 'replica', declaredRole: 'replica', applicationName: 'east_1' }]);
  });
});

describe('the report, from the fake engine transport', () => {
  test('healthy: exit 0, the table and the JSON', async (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '2' });
    const fake = fakeEngine(RUNNING, healthyAnswers());
    const r = await report(dir, fake);
    assert.equal(r.exitCode, 0);
    assert.deepEqual(fake.asked.sort(), ['primary', 'replica1', 'replica2']);
    const lines = r.text.split('\n');
    assert.equal(lines[0], `Bundle ${dir}, compose project pg-ha-stack (docker compose)`);
    assert.ok(lines.includes('| replica1 | replica | streaming |  1 | 0/3000148 |          0 |    0.0 | async | replica1 |'), r.text);
    assert.equal(lines.at(-1), 'No warnings.');
    assert.equal(r.json.primary, 'primary');
    assert.deepEqual(r.json.nodes.map((n) => [n.name, n.role, n.state]), [['primary', 'primary', 'running'], ['replica1', 'replica', 'streaming'], ['replica2', 'replica', 'streaming']]);
    assert.deepEqual(r.json.warnings, []);
    assert.deepEqual(r.json.bundle, { dir, project: 'pg-ha-stack', engine: 'docker compose' });
  });

  test('a stopped or missing container is "stopped" without asking psql; a node that does not answer is "unreachable"', async (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '2' });
    const answers = healthyAnswers();
    answers.primary = primaryState({ replication: [walsender('replica1')], slots: [slot('replica1'), slot('replica2', { active: false })] });
    const fake = fakeEngine({ primary: 'running', replica1: 'running', replica2: 'exited' }, answers);
    const r = await report(dir, fake);
    assert.equal(r.exitCode, 1);
    assert.ok(!fake.asked.includes('replica2'), 'an exited container is not exec\'d into');
    assert.deepEqual(r.json.warnings, ['replica2 is stopped: container of service replica2 is exited']);
    assert.match(r.text, /\| replica2 \| unknown \| stopped +\|/u);
    assert.match(r.text, /\| primary \| replica2 \| no +\| reserved +\|/u, 'the slot it left behind is listed, inactive');

    const missing = await report(dir, fakeEngine({ primary: 'running', replica1: 'running' }, healthyAnswers()));
    assert.deepEqual(missing.json.warnings, ['replica2 is stopped: no container for service replica2']);
    const hung = await report(dir, fakeEngine(RUNNING, { ...healthyAnswers(), replica1: 'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  the database system is starting up' }));
    assert.equal(hung.json.nodes[1]?.state, 'unreachable');
    assert.equal(hung.exitCode, 1);
  });

  test('a lost slot, a slot past half of max_slot_wal_keep_size: exit 1, one line each', async (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '2' });
    const answers = healthyAnswers();
    answers.primary = primaryState({
      maxSlotWalKeepSizeBytes: 64 * 1048576, replication: [walsender('replica1')],
      slots: [slot('replica1', { retainedBytes: 40 * 1048576 }), slot('replica2', { active: false, walStatus: 'lost', restartLsn: null, retainedBytes: null })],
    });
    const r = await report(dir, fakeEngine({ ...RUNNING, replica2: 'exited' }, answers));
    assert.equal(r.exitCode, 1);
    assert.deepEqual(r.json.warnings, [
      'replica2 is stopped: container of service replica2 is exited',
      'slot replica1 on primary retains 40 MB, more than half of max_slot_wal_keep_size (64 MB)',
      'slot replica2 on primary is lost: the WAL its replica needs is gone; that replica must be re-cloned',
    ]);
    assert.match(r.text, /\| primary \| replica2 \| no +\| lost +\|/u);
  });

  test('two writable nodes: exit 3, and the env file that disagrees with the live role is named', async (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '2' });
    const answers = healthyAnswers();
    answers.primary = primaryState({ replication: [walsender('replica2')], slots: [slot('replica1', { active: false }), slot('replica2')] });
    answers.replica1 = primaryState({ timeline: 2, currentLsn: '0/3000300' });
    const r = await report(dir, fakeEngine(RUNNING, answers));
    assert.equal(r.exitCode, 3);
    assert.equal(r.json.primary, null);
    assert.deepEqual(r.view.warnings.map((w) => w.code), ['role-mismatch', 'several-primaries', 'older-timeline']);
    assert.match(r.text, /WARNING: replica1: the bundle declares it replica, but it is live a primary/u);
    assert.match(r.text, /WARNING: 2 writable nodes: primary \(timeline 1\), replica1 \(timeline 2\)/u);
  });

  test('synchronous replication: sync_state shown, and fewer than k streaming warns that writes block (issue 12)', async (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '2' });
    const answers: Record<string, NodeState | string> = healthyAnswers();
    answers.primary = primaryState({ synchronousStandbyNames: 'ANY 1 (replica1, replica2)', replication: [], slots: [slot('replica1', { active: false }), slot('replica2', { active: false })] });
    answers.replica1 = 'service "replica1" is not running';
    const r = await report(dir, fakeEngine({ ...RUNNING, replica2: 'exited' }, answers));
    assert.ok(r.json.warnings.includes("primary: synchronous_standby_names = 'ANY 1 (replica1, replica2)' needs 1 synchronous replica streaming, 0 are: commits wait (writes are blocked)"), r.text);
    const healthy = healthyAnswers();
    healthy.primary = primaryState({ synchronousStandbyNames: 'ANY 1 (replica1, replica2)', replication: [walsender('replica1', { syncState: 'quorum' }), walsender('replica2', { syncState: 'quorum' })], slots: [slot('replica1'), slot('replica2')] });
    const ok = await report(dir, fakeEngine(RUNNING, healthy));
    assert.equal(ok.exitCode, 0);
    assert.deepEqual(ok.json.nodes.map((n) => n.syncState), [null, 'quorum', 'quorum']);
    assert.match(ok.text, /\| replica1 \| replica \| streaming \|.*\| quorum \| replica1 \|/u);
  });

  test('per-host primary: its replicas on other hosts, from pg_stat_replication, marked seen-only', async (t) => {
    const dir = bundle(t, 'node', { REPLICATION_ROLE: 'primary' }, 'pg-ha-primary');
    const answers = { primary: primaryState({ currentLsn: '0/3000200', replication: [walsender('east_1', { replayLsn: '0/3000100' })], slots: [slot('east_1')] }) };
    const r = await report(dir, fakeEngine({ primary: 'running' }, answers), 'pg-ha-primary');
    assert.equal(r.exitCode, 0);
    assert.deepEqual(r.json.nodes.map((n) => [n.name, n.role, n.state, n.lagBytes, n.seenOnly]), [['primary', 'primary', 'running', null, false], ['east_1', 'replica', 'streaming', 256, true]]);
    assert.match(r.text, /\| east_1 \* \| replica \| streaming \|/u);
    assert.match(r.text, /\* not in this bundle: east_1 \(seen in primary's pg_stat_replication\)/u);
  });

  test('per-host replica: the primary it streams from, seen from its WAL receiver', async (t) => {
    const dir = bundle(t, 'node', { REPLICATION_ROLE: 'replica', PRIMARY_HOST: '10.0.0.5', PRIMARY_PORT: '5433', REPLICA_NAME: 'east_1' }, 'pg-ha-replica');
    const state = replicaState('east_1', { receiver: { status: 'streaming', receivedTimeline: 1, senderHost: '10.0.0.5', senderPort: 5433, slotName: 'east_1', lastMessageAgeSeconds: 0.1 } });
    const r = await report(dir, fakeEngine({ replica: 'running' }, { replica: state }), 'pg-ha-replica');
    assert.equal(r.exitCode, 0, r.text);
    assert.equal(r.json.primary, '10.0.0.5:5433');
    assert.deepEqual(r.json.nodes.map((n) => [n.name, n.role, n.state, n.seenOnly]), [['10.0.0.5:5433', 'primary', 'running', true], ['east_1', 'replica', 'streaming', false]]);
    assert.match(r.text, /\* not in this bundle: 10\.0\.0\.5:5433 \(the primary, seen from east_1\)/u);
    // Its primary unreachable: the replica no longer streams, and nothing proves a writable primary.
    const cut = replicaState('east_1', { receiver: { status: 'waiting', receivedTimeline: 1, senderHost: null, senderPort: null, slotName: 'east_1', lastMessageAgeSeconds: 30 } });
    const lonely = await report(dir, fakeEngine({ replica: 'running' }, { replica: cut }), 'pg-ha-replica');
    assert.equal(lonely.exitCode, 3);
    assert.deepEqual(lonely.view.warnings.map((w) => w.code), ['no-primary', 'not-streaming']);
  });

  test('a project without any container: every node stopped, exit 3, and a hint about the name', async (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '1' });
    const r = await report(dir, fakeEngine({}, {}), 'wrong-name');
    assert.equal(r.exitCode, 3);
    assert.match(r.text, /hint: compose project wrong-name \(from test\) has no container\. Start the bundle: cd .* && docker compose up -d\. Started under another name\? Give it: --project-name NAME\./u);
  });
});

describe('flags and the CLI process', () => {
  test('status takes --dir, --json and --project-name, and nothing of the render', () => {
    const line = parseCommandLine(['status', '--dir', 'b', '--json', '--project-name', 'p']);
    assert.equal(line.command, status);
    assert.deepEqual({ ...line.flags }, { dir: 'b', json: true, 'project-name': 'p' });
    assert.throws(() => parseCommandLine(['status', '--out', 'b']), /--out is not a flag of pg-ha-init status/u);
    assert.throws(() => parseCommandLine(['status', '--replicas', '3']), /--replicas is not a flag of pg-ha-init status/u);
  });

  test('not a bundle, or no such directory: exit 2 with the fix; status --help works without an engine', (t) => {
    const empty = tempDir(t);
    const notBundle = runCli(['status', '--dir', empty], { PATH: fakeBin(t) });
    assert.equal(notBundle.status, 2, notBundle.stderr);
    assert.match(notBundle.stderr, /pg-ha-init\.json does not exist: is .* a bundle written by pg-ha-init\?/u);
    assert.match(notBundle.stderr, /pg-ha-init status --dir DIR/u);
    const none = runCli(['status', '--dir', join(empty, 'nope')]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /nope does not exist\. Give a bundle's directory/u);
    const cwd = runCli(['status'], { PATH: fakeBin(t) }, empty);
    assert.equal(cwd.status, 2, 'the current directory by default');
    const help = runCli(['status', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--project-name NAME/u);
  });

  test('a daemon that does not answer: exit 1, the fix, and no advice to start the bundle', (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '1' });
    const PATH = fakeBin(t, { docker: 'case "$1" in info) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1;; esac; echo "Docker Compose version v2.40.3"' });
    const run = runCli(['status', '--dir', dir], { PATH });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /The Docker daemon does not answer \(Cannot connect to the Docker daemon/u);
    assert.match(run.stderr, /sudo systemctl start docker/u);
    assert.match(run.stderr, /Then run again: pg-ha-init status --dir /u);
    assert.doesNotMatch(run.stderr, /start it by hand/u);
  });

  test('the real process through a stand-in engine: the project name reaches compose, exit codes 0 and 3, --json on stdout', (t) => {
    const dir = bundle(t, 'stack', { REPLICA_COUNT: '1' }, 'Demo.Stack');
    const answers = tempDir(t);
    const answer = healthyAnswers();
    answer.primary = primaryState({ replication: [walsender('replica1')], slots: [slot('replica1')] });
    writeFileSync(join(answers, 'primary'), `${psqlLine(answer.primary)}\n`);
    writeFileSync(join(answers, 'replica1'), `${psqlLine(answer.replica1 as NodeState)}\n`);
    writeFileSync(join(answers, 'inspect'), 'primary|running\nreplica1|running\n');
    // `docker compose exec -T SERVICE psql ...` prints the scripted answer; `docker ps` the ids.
    const docker = `case "$1 $2" in
  "compose version") echo "Docker Compose version v2.40.3";;
  "compose exec") echo "$COMPOSE_PROJECT_NAME" > '${answers}/project'; while read -r l; do echo "$l"; done < "${answers}/$4";;
  "ps -aq") echo id1; echo id2;;
  "inspect --format") while read -r l; do echo "$l"; done < '${answers}/inspect';;
  *) echo 20.10.24;;
esac`;
    const PATH = `${fakeBin(t, { docker })}:/usr/bin:/bin`;
    const table = runCli(['status', '--dir', dir], { PATH });
    assert.equal(table.status, 0, table.stderr + table.stdout);
    assert.match(table.stdout, /compose project demostack \(docker compose\)/u);
    assert.equal(readFileSync(join(answers, 'project'), 'utf8').trim(), 'demostack', 'the directory name, normalised');
    const json = runCli(['status', '--json', '--project-name', 'other'], { PATH }, dir);
    assert.equal(json.status, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { primary: string; nodes: { name: string; state: string }[]; warnings: string[] };
    assert.equal(parsed.primary, 'primary');
    assert.deepEqual(parsed.nodes.map((n) => n.state), ['running', 'streaming']);
    assert.equal(readFileSync(join(answers, 'project'), 'utf8').trim(), 'other');
    writeFileSync(join(answers, 'replica1'), `${psqlLine(primaryState({ timeline: 2 }))}\n`);
    const split = runCli(['status', '--dir', dir], { PATH });
    assert.equal(split.status, 3, split.stdout);
    assert.match(split.stdout, /WARNING: 2 writable nodes/u);
  });
});
