// The engine's operations on a stopped node (src/engine/node-ops.ts, composeNodeRunner), on a real
// Docker engine with both Compose engines: one-off containers of the service read pg_control, a
// file, pg_waldump's end of WAL; write standby.signal; copy WAL aside; pg_rewind with the
// superuser's password passed by name (`-e PGPASSWORD`, the value only in the compose process's
// environment, never in any argv, checked by watching every process's argv on this machine while
// it runs); rename PGDATA aside. The divergence is real: on a 1-replica stack the replica is
// promoted (timeline 2) while the old primary keeps writing on timeline 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { decideRejoin, parseControlData, parseLsn, parseTimelineHistory, walEndFromWaldump } from '../../src/cluster/index.js';
import { ENGINES } from '../../src/engine/engine.js';
import { NodeOps } from '../../src/engine/node-ops.js';
import { composeNodeRunner } from '../../src/engine/node-runner.js';
import { rewriteBundle } from '../../src/output/rewrite.js';
import { dataLayout } from './support/bundle.js';
import { describe, type Variant } from './support/matrix.js';
import { psql, scenario, waitStreaming } from './support/scenario.js';

const VARIANTS: Variant[] = ([{ major: 18, engine: 'v2' }, { major: 15, engine: 'v1' }] as Variant[]).filter((v) => {
  const engines = process.env.PG_HA_E2E_ENGINES?.split(/[\s,]+/);
  const majors = process.env.PG_HA_E2E_MAJORS?.split(/[\s,]+/);
  return (!engines || engines.includes(v.engine)) && (!majors || majors.includes(String(v.major)));
});

/** Every process's argv on this machine, sampled until stopped: a password must never be in one. */
function watchArgv(secret: string): { stop: () => string[] } {
  const hits: string[] = [];
  const timer = setInterval(() => {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (argv.includes(secret)) hits.push(argv.split('\0').join(' '));
      } catch { /* gone */ }
    }
  }, 25);
  return { stop: () => { clearInterval(timer); return hits; } };
}

for (const variant of VARIANTS) {
  test(`node operations on a stopped node, pg_rewind included [${describe(variant)}]`, { timeout: 600_000 }, async (t) => {
    await scenario(t, 'node-ops', variant, async (s) => {
      const stack = await s.stack('node-ops', { REPLICA_COUNT: '1' });
      const { project } = stack;
      await project.up();
      const primary = stack.primary;
      const replica = stack.replicas[0]!;
      await waitStreaming(primary, stack.refs);
      const engine = variant.engine === 'v2' ? ENGINES['compose-v2'] : ENGINES['compose-v1'];
      const options = { dir: stack.bundle.dir, projectName: project.name, env: s.rig.env };
      const ops = new NodeOps(engine, options);
      const runner = composeNodeRunner(engine, 'postgres', { outDir: options.dir, env: options.env, projectName: project.name });
      const pgdata = dataLayout(stack.bundle, 'primary').pgdata;

      await s.steps([
        ['diverge: replica1 promoted (timeline 2), the old primary writes on timeline 1, then stops', async () => {
          await psql(primary, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1);');
          await waitStreaming(primary, stack.refs);
          assert.equal(await psql(replica, 'SELECT pg_promote();'), 't');
          await psql(replica, 'CHECKPOINT;');
          await psql(primary, 'INSERT INTO t SELECT generate_series(2, 5000); SELECT pg_switch_wal(); INSERT INTO t VALUES (0);');
          const stop = await ops.stop('primary');
          assert.ok(stop.ok, stop.stderr);
        }],
        ['controldata, waldump, readFile, listWal on the stopped node; the divergence is decided', async () => {
          const control = parseControlData((await runner.controldata('primary')).stdout);
          assert.equal(control.state, 'shut down');
          assert.equal(control.checkpointTimeline, 1);
          const both = await ops.controldataAndWalEnd('primary');
          assert.ok(both.ok, both.stderr);
          const end = walEndFromWaldump(both.stdout.split('\n--- waldump\n')[1] ?? '');
          assert.ok(end !== null && end > control.latestCheckpoint, both.stdout);
          const single = walEndFromWaldump((await runner.waldump('primary', 1, control.latestCheckpoint)).stdout);
          assert.equal(single, end);
          assert.equal((await runner.readFile('primary', 'PG_VERSION')).stdout.trim(), String(variant.major));
          assert.match((await ops.listWal('primary')).stdout, /^000000010000000000000\w{3}$/m);
          const history = parseTimelineHistory((await runner.sql('replica1', "select pg_read_file('pg_wal/00000002.history')")).stdout);
          const decision = decideRejoin({ old: control, newPrimary: { systemIdentifier: control.systemIdentifier, timeline: 2, history }, checkpointEnd: end ?? undefined });
          assert.equal(decision.action, 'rewind', decision.reason);
          s.metric('decision', decision.reason);
          const saved = await ops.copyWalAside('primary', decision.diverged?.walFiles ?? [], 'test', `diverged ${decision.diverged?.from}..${decision.diverged?.to}`);
          assert.ok(saved.ok, saved.stderr);
          const listed = await ops.oneOff('primary', 'ls -1 "$PGDATA.diverged-test"; cat "$PGDATA.diverged-test/README"');
          assert.match(listed.stdout, /^README$/m);
          assert.match(listed.stdout, /^00000001/m);
          assert.match(listed.stdout, /^diverged /m);
        }],
        ['pg_rewind through a one-off container, password by name only; then it streams from replica1', async () => {
          const password = stack.bundle.secrets.postgres ?? '';
          assert.ok(password.length > 8);
          await psql(replica, 'CHECKPOINT;');
          const watcher = watchArgv(password);
          const rewound = await s.time('pg_rewind (one-off container)', () => ops.rewind('primary', 'host=replica1 port=5432 user=postgres dbname=postgres', password));
          const hits = watcher.stop();
          assert.ok(rewound.ok, `${rewound.stdout}\n${rewound.stderr}`);
          assert.match(rewound.stdout + rewound.stderr, /Done!|servers diverged/);
          assert.deepEqual(hits, [], 'the password was in an argv');
          const signal = await ops.writeStandbySignal('primary');
          assert.ok(signal.ok, signal.stderr);
          rewriteBundle(stack.bundle.dir, { PRIMARY_SERVICE: 'replica1' });
          const started = await ops.start('primary');
          assert.ok(started.ok, started.stderr);
          await waitStreaming(replica, [{ node: primary, name: 'primary' }]);
          assert.equal(await psql(primary, 'SELECT count(*) FROM t;'), '1', 'the diverged rows are gone from the rewound node');
          assert.equal(await psql(primary, 'SELECT received_tli FROM pg_stat_wal_receiver;'), '2');
        }],
        ['PGDATA moved aside, never deleted', async () => {
          assert.ok((await ops.stop('primary')).ok);
          const moved = await ops.movePgdataAside('primary', 'test');
          assert.ok(moved.ok, moved.stderr);
          assert.equal(moved.stdout.trim(), `${pgdata}.failed-test`);
          assert.match((await ops.oneOff('primary', 'ls "$PGDATA.failed-test"')).stdout, /^PG_VERSION$/m);
        }],
      ]);
    });
  });
}
