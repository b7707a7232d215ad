// `pg-ha-init status` against real bundles on the rig's real Docker engine (issue 10, and the
// sync_state / per-host parts of 12). The command runs as the shipped CLI (scripts/build.mjs's
// bundle, its own process), picking its engine with the real preflight, reaching every node
// through `<engine> exec -T <service> psql`. Each state is made for real, then read through both
// the table and --json, with the exit code:
//   - a stack on PG 18 with Compose v2: healthy (0); a replica stopped (1); its slot invalidated
//     by a tiny max_slot_wal_keep_size and WAL switched past it (1); two writable nodes made on
//     purpose with pg_promote() on a replica (3);
//   - a stack on PG 15 with docker-compose v1 (a host with no Compose v2 plugin): healthy (0);
//   - per-host bundles, three compose projects on one engine: status in the primary's bundle
//     shows its replicas as seen-only walsenders, in a replica's bundle the primary it streams from.
// Projects have unique names and free ports: another helper may use the rig at the same time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage, type BuiltPackage } from '../build/support.js';
import { describe, type Variant } from './support/matrix.js';
import { median, run, seconds, waitFor, type RunResult } from './support/process.js';
import { rig } from './support/rig.js';
import { psql, scenario, waitStreaming, type Node, type Scenario } from './support/scenario.js';

interface StatusJson {
  primary: string | null;
  timeline: number | null;
  nodes: { name: string; role: string; state: string; timeline: number | null; lagBytes: number | null; syncState: string | null; slot: string | null; seenOnly: boolean; upstream: string | null }[];
  slots: { node: string; name: string; active: boolean; walStatus: string | null }[];
  warnings: string[];
  exitCode: number;
  bundle: { dir: string; project: string; engine: string };
}

let pkg: BuiltPackage;
let shimDir: string;

before(async () => {
  pkg = await buildPackage();
  // A host with Docker and docker-compose v1 but no Compose v2 plugin (Debian's docker.io +
  // docker-compose): `docker compose` is not a command there, everything else is the real docker.
  shimDir = mkdtempSync(join(tmpdir(), 'pg-ha-v1-only-'));
  mkdirSync(join(shimDir, 'bin'));
  writeFileSync(join(shimDir, 'bin', 'docker'), '#!/bin/sh\nif [ "$1" = compose ]; then echo "docker: \'compose\' is not a docker command." >&2; exit 1; fi\nexec /usr/bin/docker "$@"\n');
  chmodSync(join(shimDir, 'bin', 'docker'), 0o755);
});

after(() => {
  pkg?.remove();
  if (shimDir) rmSync(shimDir, { recursive: true, force: true });
});

/** `pg-ha-init status` as a user runs it, on the engine the variant's host has. */
async function status(variant: Variant, dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const base = (await rig()).env;
  const PATH = variant.engine === 'v1' ? `${join(shimDir, 'bin')}:${base.PATH}` : base.PATH;
  return run(process.execPath, [pkg.bin, 'status', '--dir', dir, ...args], { env: { ...base, PATH, NO_COLOR: '1', ...env }, check: false, timeoutMs: 120_000 });
}

/** The table and the JSON of one state; both must agree on the exit code. */
async function both(s: Scenario, dir: string, project: string, label: string): Promise<{ table: RunResult; json: StatusJson; jsonRun: RunResult }> {
  const table = await status(s.variant, dir, ['--project-name', project]);
  const jsonRun = await status(s.variant, dir, ['--project-name', project, '--json']);
  assert.equal(jsonRun.code, table.code, `${label}: the table and --json exit alike\n${table.stdout}\n${jsonRun.stdout}`);
  assert.equal(table.stderr, '', `${label}: nothing on stderr`);
  console.log(`\n--- status, ${label} [${describe(s.variant)}] (exit ${table.code}, ${seconds(table.ms)}):\n${table.stdout}`);
  return { table, json: JSON.parse(jsonRun.stdout) as StatusJson, jsonRun };
}

const row = (cells: readonly (string | RegExp)[]): RegExp =>
  new RegExp(`^\\| ${cells.map((c) => (typeof c === 'string' ? `${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} *` : c.source)).join('\\| ')}`, 'm');

/** Median time of `n` status calls (table), the figure for the report. */
async function timeStatus(s: Scenario, dir: string, project: string, label: string, n = 3): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await status(s.variant, dir, ['--project-name', project]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    times.push(r.ms);
  }
  s.metric(`one status call, ${label} (median of ${n})`, median(times), 'ms');
}

async function waitFor1(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  await waitFor(async () => ((await probe()) ? true : undefined), { timeoutMs, intervalMs: 500, what });
}

const V2_18: Variant = { major: 18, engine: 'v2' };
const V1_15: Variant = { major: 15, engine: 'v1' };

test(`status of a stack in each state [${describe(V2_18)}]: healthy 0, replica stopped 1, slot lost 1, two writable 3`, { timeout: 600_000 }, async (t) => {
  await scenario(t, 'status: stack states', V2_18, async (s) => {
    const { bundle, project, primary, replicas, refs } = await s.stack('status', { REPLICA_COUNT: '2' });
    const [replica1] = replicas as [Node];
    await s.steps([
      ['up, streaming', async () => {
        await project.up([], ['--wait']);
        await waitStreaming(primary, refs);
      }],
      ['healthy: exit 0', async () => {
        const { table, json } = await both(s, bundle.dir, project.name, 'healthy');
        assert.equal(table.code, 0);
        assert.match(table.stdout, new RegExp(`^Bundle ${bundle.dir}, compose project ${project.name} \\(docker compose\\)$`, 'm'));
        assert.match(table.stdout, row(['primary', 'primary', 'running', / *1 /]));
        for (const r of ['replica1', 'replica2']) assert.match(table.stdout, row([r, 'replica', 'streaming', / *1 /, /\d+\/[0-9A-F]+ */, / *0 /, / *0\.0 /, 'async', r]));
        assert.match(table.stdout, /^No warnings\.$/m);
        assert.equal(json.primary, 'primary');
        assert.equal(json.timeline, 1);
        assert.deepEqual(json.nodes.map((n) => [n.name, n.role, n.state, n.syncState, n.slot]), [
          ['primary', 'primary', 'running', null, null], ['replica1', 'replica', 'streaming', 'async', 'replica1'], ['replica2', 'replica', 'streaming', 'async', 'replica2'],
        ]);
        assert.deepEqual(json.slots.map((x) => [x.name, x.active, x.walStatus]), [['replica1', true, 'reserved'], ['replica2', true, 'reserved']]);
        assert.deepEqual(json.warnings, []);
        assert.deepEqual(json.bundle, { dir: bundle.dir, project: project.name, engine: 'docker compose' });
        // The project name as Compose takes it from the environment, without the flag.
        const fromEnv = await status(s.variant, bundle.dir, [], { COMPOSE_PROJECT_NAME: project.name });
        assert.equal(fromEnv.code, 0, fromEnv.stdout + fromEnv.stderr);
        await timeStatus(s, bundle.dir, project.name, '3-node stack, docker compose (v2), PG 18');
        // A daemon that does not answer: exit 1 and the fix; a directory that is not a bundle: exit 2.
        const dead = await status(s.variant, bundle.dir, ['--project-name', project.name], { DOCKER_HOST: `unix://${join(bundle.dir, 'no-daemon.sock')}` });
        assert.equal(dead.code, 1, dead.stdout + dead.stderr);
        assert.match(dead.stderr, /The Docker daemon at DOCKER_HOST=unix:\/\/.*no-daemon\.sock does not answer/);
        assert.match(dead.stderr, /Then run again: pg-ha-init status --dir /);
        const notBundle = await status(s.variant, join(bundle.dir, 'env'), []);
        assert.equal(notBundle.code, 2, notBundle.stdout + notBundle.stderr);
        assert.match(notBundle.stderr, /pg-ha-init\.json does not exist: is .* a bundle written by pg-ha-init\?/);
      }],
      ['a replica stopped: exit 1, warning', async () => {
        await project.compose(['stop', 'replica2']);
        const { table, json } = await both(s, bundle.dir, project.name, 'replica2 stopped');
        assert.equal(table.code, 1);
        assert.match(table.stdout, row(['replica2', 'unknown', 'stopped']));
        assert.match(table.stdout, /^WARNING: replica2 is stopped: container of service replica2 is exited$/m);
        assert.equal(json.nodes.find((n) => n.name === 'replica2')?.state, 'stopped');
        assert.equal(json.slots.find((x) => x.name === 'replica2')?.active, false, 'its slot stays, inactive');
        assert.deepEqual(json.warnings, ['replica2 is stopped: container of service replica2 is exited']);
      }],
      ['a slot invalidated: exit 1, warning', async () => {
        await psql(primary, "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'; SELECT pg_reload_conf();");
        await psql(primary, 'CREATE TABLE IF NOT EXISTS status_wal (x int);');
        // Each round writes a little, switches to a new segment and checkpoints: the checkpoint
        // invalidates a slot whose restart_lsn is further back than max_slot_wal_keep_size.
        await waitFor1('slot replica2 lost', async () => {
          await psql(primary, 'INSERT INTO status_wal SELECT generate_series(1, 1000); SELECT pg_switch_wal(); CHECKPOINT;');
          return (await psql(primary, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'replica2';")) === 'lost';
        });
        const { table, json } = await both(s, bundle.dir, project.name, 'slot replica2 lost');
        assert.equal(table.code, 1);
        assert.match(table.stdout, /^\| primary +\| replica2 \| no +\| lost +\|/m);
        assert.match(table.stdout, /^WARNING: slot replica2 on primary is lost: the WAL its replica needs is gone; that replica must be re-cloned$/m);
        assert.equal(json.slots.find((x) => x.name === 'replica2')?.walStatus, 'lost');
        assert.ok(json.warnings.includes('slot replica2 on primary is lost: the WAL its replica needs is gone; that replica must be re-cloned'), json.warnings.join('\n'));
        assert.equal(json.nodes.find((n) => n.name === 'replica1')?.state, 'streaming', 'replica1 streams on through its own slot');
        await psql(primary, 'ALTER SYSTEM RESET max_slot_wal_keep_size; SELECT pg_reload_conf();');
      }],
      ['two writable nodes (pg_promote on replica1): exit 3, warning', async () => {
        assert.equal(await psql(replica1, 'SELECT pg_promote();'), 't');
        await waitFor1('replica1 writable', async () => (await psql(replica1, 'SELECT pg_is_in_recovery();')) === 'f');
        const { table, json } = await both(s, bundle.dir, project.name, 'two writable');
        assert.equal(table.code, 3);
        assert.match(table.stdout, row(['primary', 'primary', 'running', / *1 /]));
        assert.match(table.stdout, row(['replica1', 'primary', 'running', / *2 /]));
        assert.match(table.stdout, /^WARNING: replica1: the bundle declares it replica, but it is live a primary$/m);
        assert.match(table.stdout, /^WARNING: 2 writable nodes: primary \(timeline 1\), replica1 \(timeline 2\); split brain/m);
        assert.equal(json.primary, null);
        assert.equal(json.exitCode, 3);
        assert.deepEqual(json.nodes.filter((n) => n.role === 'primary').map((n) => [n.name, n.timeline]), [['primary', 1], ['replica1', 2]]);
      }],
    ]);
  });
});

test(`status of a healthy stack [${describe(V1_15)}] (a host with docker-compose v1 only): exit 0, table and --json`, { timeout: 400_000 }, async (t) => {
  await scenario(t, 'status: stack with v1', V1_15, async (s) => {
    const { bundle, project, primary, refs } = await s.stack('status-v1', { REPLICA_COUNT: '2' });
    await project.up();
    await waitStreaming(primary, refs);
    await project.waitHealthy(['primary', 'replica1', 'replica2'], 180_000);
    const { table, json } = await both(s, bundle.dir, project.name, 'healthy, v1');
    assert.equal(table.code, 0);
    assert.match(table.stdout, new RegExp(`compose project ${project.name} \\(docker-compose\\)$`, 'm'), 'the preflight picked docker-compose v1');
    for (const r of ['replica1', 'replica2']) assert.match(table.stdout, row([r, 'replica', 'streaming', / *1 /]));
    assert.match(table.stdout, /^No warnings\.$/m);
    assert.equal(json.primary, 'primary');
    assert.deepEqual(json.nodes.map((n) => n.state), ['running', 'streaming', 'streaming']);
    assert.equal(json.bundle.engine, 'docker-compose');
    await timeStatus(s, bundle.dir, project.name, '3-node stack, docker-compose (v1), PG 15');
  });
});

test(`status in per-host bundles [${describe(V2_18)}]: three projects, each bundle shows its node and what it knows of the others`, { timeout: 500_000 }, async (t) => {
  await scenario(t, 'status: per-host bundles', V2_18, async (s) => {
    const password = `status-${Math.random().toString(36).slice(2)}-per-host`;
    const primary = await s.perHostPrimary('st-ph', { REPLICATION_PASSWORD: password });
    const east = await s.perHostReplica('st-ph', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'east_1' });
    const west = await s.perHostReplica('st-ph', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'west_1' });
    await primary.project.up();
    await primary.project.waitHealthy(['primary'], 120_000);
    await Promise.all([east.project.up(), west.project.up()]);
    await waitStreaming(primary.node, [{ node: east.node, name: 'east_1' }, { node: west.node, name: 'west_1' }]);

    const onPrimary = await both(s, primary.bundle.dir, primary.project.name, 'per-host primary bundle');
    assert.equal(onPrimary.table.code, 0);
    assert.deepEqual(onPrimary.json.nodes.map((n) => [n.name, n.role, n.state, n.seenOnly, n.slot]), [
      ['primary', 'primary', 'running', false, null], ['east_1', 'replica', 'streaming', true, 'east_1'], ['west_1', 'replica', 'streaming', true, 'west_1'],
    ]);
    assert.match(onPrimary.table.stdout, row(['east_1 *', 'replica', 'streaming']));
    assert.match(onPrimary.table.stdout, /^\* not in this bundle: east_1 \(seen in primary's pg_stat_replication\); west_1 \(seen in primary's pg_stat_replication\)$/m);

    const sender = `${s.rig.gateway}:${primary.port}`;
    const onEast = await both(s, east.bundle.dir, east.project.name, 'per-host replica bundle (east_1)');
    assert.equal(onEast.table.code, 0);
    assert.equal(onEast.json.primary, sender, 'the primary as its WAL receiver sees it');
    assert.deepEqual(onEast.json.nodes.map((n) => [n.name, n.role, n.state, n.seenOnly]), [[sender, 'primary', 'running', true], ['east_1', 'replica', 'streaming', false]]);
    assert.match(onEast.table.stdout, new RegExp(`^\\* not in this bundle: ${sender.replace(/\./g, '\\.')} \\(the primary, seen from east_1\\)$`, 'm'));

    // The primary's project stopped: each replica bundle says its node no longer streams and no
    // primary is known (3); the primary's bundle says its node is stopped (3).
    await primary.project.compose(['stop', 'primary']);
    await waitFor1('west_1 stops streaming', async () => (await psql(west.node, 'SELECT coalesce(status, \'none\') FROM pg_stat_wal_receiver RIGHT JOIN (SELECT 1) x ON true;')) !== 'streaming');
    const cut = await both(s, west.bundle.dir, west.project.name, 'per-host replica bundle (west_1), primary stopped');
    assert.equal(cut.table.code, 3);
    assert.equal(cut.json.primary, null);
    assert.match(cut.table.stdout, /^WARNING: no writable node: no primary accepts writes$/m);
    const gone = await both(s, primary.bundle.dir, primary.project.name, 'per-host primary bundle, primary stopped');
    assert.equal(gone.table.code, 3);
    assert.match(gone.table.stdout, /^WARNING: primary is stopped: container of service primary is exited$/m);
  });
});
