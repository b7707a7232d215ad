// `pg-ha-init switchover` on a real Docker engine (issue 10), run as a user runs it (the CLI, in
// a child process), on a rendered stack of primary + 2 replicas:
// - bad input (unknown node, the current primary, a stopped candidate, a lagging one, no --yes
//   without a terminal) and --dry-run: exit 2 (0 for the dry run) and nothing changed, by a state read;
// - under a write load through the multi-host connection string, switch over to replica1 and
//   back, 3 times: every acknowledged id is on the final primary, every node streams on the final
//   timeline, no node was re-cloned (each PGDATA keeps its PG_VERSION inode and its own marker
//   file), and the write-unavailable time and total time are measured;
// - once more to replica1, then the old primary's old container (created when its environment
//   said primary) is started with `docker start`, and `compose up -d` is run: never a second
//   writable node (sampled for 20 s), and everything streams again;
// - two writable nodes made on purpose (pg_promote on a replica): switchover refuses, exit 2.
// Variants: Compose v2 on PG 18, docker-compose v1 on PG 15 (PG_HA_E2E_MAJORS / _ENGINES narrow them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { longestGapWithin, missingAcks, startWriteLoad } from '../support/write-load.js';
import { PG_BIN } from '../support/as-postgres.js';
import { dataLayout } from './support/bundle.js';
import { streamingOn as streamingDay2 } from './support/day2.js';
import { describe, type Variant } from './support/matrix.js';
import { run, type RunResult } from './support/process.js';
import { docker, REPO } from './support/rig.js';
import { psql, scenario, type Node, type Scenario, type Stack } from './support/scenario.js';

const VARIANTS: Variant[] = [{ major: 18, engine: 'v2' }, { major: 15, engine: 'v1' }].filter((v) => {
  const majors = process.env.PG_HA_E2E_MAJORS?.split(/[\s,]+/);
  const engines = process.env.PG_HA_E2E_ENGINES?.split(/[\s,]+/);
  return (!majors || majors.includes(String(v.major))) && (!engines || engines.includes(v.engine));
}) as Variant[];

const SERVICES = ['primary', 'replica1', 'replica2'] as const;

/** The CLI as a user runs it, in the bundle's directory's parent, with the rig's engine. */
async function cli(s: Scenario, stack: Stack, args: readonly string[]): Promise<RunResult> {
  return run(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli.ts'), ...args, '--dir', stack.bundle.dir, '--project-name', stack.project.name], {
    cwd: REPO, check: false, timeoutMs: 300_000,
    env: { ...s.rig.env, PG_HA_INIT_ENGINE: s.variant.engine === 'v2' ? 'compose-v2' : 'compose-v1', NO_COLOR: '1' },
  });
}

function node(stack: Stack, service: string): Node {
  return { project: stack.project, service, user: stack.bundle.config.postgresUser };
}

/** Which nodes answer writable, their timelines, which containers run, and the bundle's topology files. */
async function snapshot(stack: Stack): Promise<string> {
  const lines: string[] = [];
  for (const service of SERVICES) {
    const answer = await stack.project.psql(service, "SELECT pg_is_in_recovery() || ' ' || coalesce((SELECT received_tli FROM pg_stat_wal_receiver)::text, substr(pg_walfile_name(CASE WHEN pg_is_in_recovery() THEN '0/0' ELSE pg_current_wal_lsn() END), 1, 8));", { allowFail: true });
    lines.push(`${service}: ${answer.startsWith('ERROR') ? 'down' : answer}`);
  }
  for (const file of ['compose.yaml', 'pg-ha-init.json', ...SERVICES.map((n) => `env/${n}.env`)]) {
    lines.push(`${file}: ${createHash('sha256').update(stack.bundle.read(file)).digest('hex').slice(0, 12)}`);
  }
  return lines.join('\n');
}

async function writableNodes(stack: Stack): Promise<string[]> {
  const out: string[] = [];
  for (const service of SERVICES) {
    const answer = await stack.project.psql(service, 'SELECT pg_is_in_recovery();', { allowFail: true, timeoutMs: 10_000 });
    if (answer === 'f') out.push(service);
  }
  return out;
}

/** Sample every node for `ms`: at no sample may two nodes answer writable. Returns the samples' writable sets. */
async function neverTwoWritable(stack: Stack, ms: number): Promise<string[][]> {
  const samples: string[][] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const writable = await writableNodes(stack);
    samples.push(writable);
    assert.ok(writable.length <= 1, `two writable nodes: ${writable.join(', ')}`);
    await sleep(500);
  }
  return samples;
}

const streamingOn = (stack: Stack, primary: string, timeline: number): Promise<void> => streamingDay2(stack, SERVICES, primary, timeline);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// Issue 10: to replica1 and back, 3 times, on both engines.
const ROUNDS = 3;
// Timeline 1 + two promotions per round trip; the step after them promotes once more.
const AFTER_ROUNDS = 1 + 2 * ROUNDS;

for (const variant of VARIANTS) {
  test(`switchover [${describe(variant)}]: bad input refused, ${ROUNDS} round trips under load without loss or re-clone, no second primary afterwards`, { timeout: 900_000 }, async (t) => {
    await scenario(t, 'switchover', variant, async (s) => {
      const stack = await s.stack('switchover', { REPLICA_COUNT: '2' });
      const { project } = stack;
      await project.up();
      await streamingOn(stack, 'primary', 1);
      const pgdata = dataLayout(stack.bundle, 'primary').pgdata;

      await s.steps([
        ['bad input: exit 2, a clear error naming the node and the fix, nothing changed', async () => {
          const before = await snapshot(stack);
          const unknown = await cli(s, stack, ['switchover', '--to', 'replica9', '--yes']);
          assert.equal(unknown.code, 2, unknown.stdout + unknown.stderr);
          assert.match(unknown.stdout, /replica9 is not a node of this bundle \(nodes: primary, replica1, replica2\)\. Fix: name one of the nodes/);
          const current = await cli(s, stack, ['switchover', '--to', 'primary', '--yes']);
          assert.equal(current.code, 2);
          assert.match(current.stdout, /primary is already the primary\. Fix: name a replica with --to/);
          const noYes = await cli(s, stack, ['switchover', '--to', 'replica1']);
          assert.equal(noYes.code, 2);
          assert.match(noYes.stderr, /without a terminal to confirm, add --yes\. Nothing was changed/);
          const dry = await cli(s, stack, ['switchover', '--to', 'replica1', '--dry-run']);
          assert.equal(dry.code, 0, dry.stdout + dry.stderr);
          assert.match(dry.stdout, /Preflight passed.*\n.*Dry run: would switch over from primary to replica1.*Nothing was changed\./);
          await project.compose(['stop', 'replica2']);
          const stoppedBefore = await snapshot(stack);
          const stopped = await cli(s, stack, ['switchover', '--to', 'replica2', '--yes']);
          assert.equal(stopped.code, 2, stopped.stdout + stopped.stderr);
          assert.match(stopped.stdout, /replica2 is stopped, not a streaming replica\. Fix: start replica2 and wait/);
          assert.equal(await snapshot(stack), stoppedBefore);
          await project.compose(['start', 'replica2']);
          await streamingOn(stack, 'primary', 1);
          // A lagging candidate: replica2 streams but replays nothing while the primary writes
          // more than the 16 MiB the preflight allows.
          await psql(node(stack, 'replica2'), 'SELECT pg_wal_replay_pause();');
          await psql(node(stack, 'primary'), 'CREATE TABLE lag_fill AS SELECT g, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 200000) g;');
          const laggingBefore = await snapshot(stack);
          const lagging = await cli(s, stack, ['switchover', '--to', 'replica2', '--yes']);
          assert.equal(lagging.code, 2, lagging.stdout + lagging.stderr);
          assert.match(lagging.stdout, /replica2 is \d+ bytes behind the primary \(at most 16777216 allowed\)\. Fix: wait until it catches up/);
          assert.equal(await snapshot(stack), laggingBefore);
          await psql(node(stack, 'replica2'), 'SELECT pg_wal_replay_resume();');
          await psql(node(stack, 'primary'), 'DROP TABLE lag_fill;');
          await streamingOn(stack, 'primary', 1);
          assert.equal(await snapshot(stack), before, 'nothing changed');
        }],
        [`${ROUNDS} round trips under a write load: no acknowledged write lost, no re-clone`, async () => {
          // Each node's own marker in its PGDATA and PG_VERSION's inode: a re-clone replaces both.
          const identity = async (service: string): Promise<string> =>
            (await project.exec(service, ['bash', '-c', `stat -c %i "${pgdata}/PG_VERSION" && cat "${pgdata}/marker-${service}"`])).stdout.trim();
          const before = new Map<string, string>();
          for (const service of SERVICES) {
            await project.exec(service, ['bash', '-c', `echo "${service} $(date +%s%N)" > "${pgdata}/marker-${service}"`], { user: 'postgres' });
            before.set(service, await identity(service));
          }
          const load = startWriteLoad({
            conninfo: `${(await import('../../src/cluster/index.js')).multiHostConninfo(SERVICES.map((_, i) => ({ host: '127.0.0.1', port: stack.port + i })), { user: 'postgres', dbname: 'postgres' })}`,
            password: stack.bundle.secrets.postgres ?? '', psql: join(PG_BIN, 'psql'), table: 'switch_load', maxRunMs: 600_000,
          });
          await load.nextAck(30_000);
          const windows: { to: string; from: number; until: number; total: number; writeStop: number; wayBack: string }[] = [];
          for (let round = 1; round <= ROUNDS; round++) {
            for (const to of ['replica1', 'primary']) {
              await sleep(1500);
              const from = Date.now();
              const r = await cli(s, stack, ['switchover', '--to', to, '--yes']);
              const until = Date.now();
              assert.equal(r.code, 0, `switchover to ${to} (round ${round}):\n${r.stdout}\n${r.stderr}`);
              const m = /Switched over to \S+ in ([\d.]+) s \(writes stopped ([\d.]+) s; \S+ came back (without a rewind|with pg_rewind)\)/.exec(r.stdout);
              assert.ok(m, r.stdout);
              windows.push({ to, from, until, total: Number(m[1]) * 1000, writeStop: Number(m[2]) * 1000, wayBack: m[3] === 'without a rewind' ? 'follow' : 'rewind' });
              await load.nextAck(30_000);
            }
          }
          await sleep(1000);
          const result = await load.stop();
          const present = (await psql(node(stack, 'primary'), 'SELECT id FROM switch_load ORDER BY id;')).split('\n').filter(Boolean).map(Number);
          const lost = missingAcks(result.acknowledged, present);
          s.metric('acknowledged writes', result.acknowledged.length);
          s.metric('acknowledged writes lost', lost.length);
          assert.deepEqual(lost, [], 'every acknowledged id is on the final primary');
          const gaps = windows.map((w) => longestGapWithin(result, w.from, w.until));
          s.metric('write-unavailable per switchover (longest gap between acks), ms', gaps.join(', '));
          s.metric('write-unavailable median', median(gaps), 'ms');
          s.metric('write-unavailable worst', Math.max(...gaps), 'ms');
          s.metric('switchover total (its own clock), median', median(windows.map((w) => w.total)), 'ms');
          s.metric('switchover total, worst', Math.max(...windows.map((w) => w.total)), 'ms');
          s.metric('writes stopped (stop -> promoted, its own clock), median', median(windows.map((w) => w.writeStop)), 'ms');
          s.metric('old primary way back', [...new Set(windows.map((w) => w.wayBack))].join(', '));
          await streamingOn(stack, 'primary', AFTER_ROUNDS);
          for (const service of SERVICES) assert.equal(await identity(service), before.get(service), `${service} was not re-cloned`);
          assert.match(stack.bundle.read('env/primary.env'), /^REPLICATION_ROLE=primary$/m);
        }],
        ['once more to replica1; the old primary\'s old container and `compose up -d` never make a second primary', async () => {
          const oldContainer = await project.id('primary');
          const env = (await project.inspect('primary')).Config.Env as string[];
          assert.ok(!env.includes('REPLICATION_ROLE=replica'), 'the container was created while primary was the primary');
          const r = await cli(s, stack, ['switchover', '--to', 'replica1', '--yes']);
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.equal(await project.id('primary'), oldContainer, 'switchover reuses the container');
          await streamingOn(stack, 'replica1', AFTER_ROUNDS + 1);

          await docker(['stop', '-t', '30', oldContainer]);
          await docker(['start', oldContainer]);
          const samples = await neverTwoWritable(stack, 20_000);
          assert.ok(samples.every((w) => w.length === 0 || w[0] === 'replica1'), JSON.stringify(samples));
          await streamingOn(stack, 'replica1', AFTER_ROUNDS + 1);
          assert.match((await project.logs('primary')), /node topology from \/opt\/pg-ha-init\/env\/primary\.env: HA_MODE=native REPLICATION_ROLE=replica PRIMARY_HOST=replica1/);

          await project.up();
          const afterUp = await neverTwoWritable(stack, 20_000);
          assert.ok(afterUp.every((w) => w.length === 0 || w[0] === 'replica1'), JSON.stringify(afterUp));
          await project.waitHealthy([...SERVICES], 120_000, true);
          await streamingOn(stack, 'replica1', AFTER_ROUNDS + 1);
        }],
        ['two writable nodes already: switchover refuses, exit 2, nothing changed', async () => {
          assert.equal(await psql(node(stack, 'replica2'), 'SELECT pg_promote();'), 't');
          const before = await snapshot(stack);
          const r = await cli(s, stack, ['switchover', '--to', 'primary', '--yes']);
          assert.equal(r.code, 2, r.stdout + r.stderr);
          assert.match(r.stdout, /2 nodes accept writes \(replica1, replica2\): split brain\. Fix: stop the former primary/);
          assert.equal(await snapshot(stack), before, 'nothing changed');
        }],
      ]);
    });
  });
}
