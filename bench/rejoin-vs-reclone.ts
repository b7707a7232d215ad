// Rejoin with pg_rewind versus a full re-clone, on a primary holding ~1 GB (issue 11's figure; the
// aim is a ratio of 0.2 or less). Not part of the docker suite (it writes and copies a gigabyte on
// the shared rig): run it on its own.
//
//   node --import tsx --test bench/rejoin-vs-reclone.ts          # ~1 GB, PG 18, Compose v2
//   BENCH_MB=256 BENCH_MAJOR=15 node --import tsx --test bench/rejoin-vs-reclone.ts
//
// A stack of primary + 1 replica; BENCH_MB of rows are written and replicated; the replica is
// cut off (replication refused on the primary) while it commits more rows, the primary is killed (kill -9), and
// `pg-ha-init failover` promotes the replica. Then:
// - rejoin: `pg-ha-init rejoin primary` (it diverged, so: diverged WAL saved aside, pg_rewind),
//   until it streams;
// - re-clone: the same node stopped, its PGDATA moved aside, started: the entrypoint clones the
//   whole database with pg_basebackup, until it streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataLayout } from '../test/e2e-docker/support/bundle.js';
import { cli } from '../test/e2e-docker/support/day2.js';
import { scenario, psql, waitStreaming, type Node } from '../test/e2e-docker/support/scenario.js';
import { docker } from '../test/e2e-docker/support/rig.js';

const MB = Number(process.env.BENCH_MB ?? '1024');
const MAJOR = Number(process.env.BENCH_MAJOR ?? '18');

test(`rejoin (pg_rewind) vs re-clone on ~${MB} MB [PG ${MAJOR}, docker compose (v2)]`, { timeout: 3_600_000 }, async (t) => {
  await scenario(t, 'rejoin-vs-reclone', { major: MAJOR, engine: 'v2' }, async (s) => {
    const stack = await s.stack('rejoinbench', { REPLICA_COUNT: '1' });
    const { project } = stack;
    const at = (service: string): Node => ({ project, service, user: stack.bundle.config.postgresUser });
    await project.up();
    await waitStreaming(at('primary'), [{ node: at('replica1'), name: 'replica1' }]);
    // ~1 KB a row, in 64 MB transactions.
    await psql(at('primary'), 'CREATE TABLE big (id bigint PRIMARY KEY, pad text NOT NULL);');
    const rows = MB * 1024;
    await s.time('fill', async () => {
      for (let from = 1; from <= rows; from += 65_536) {
        await psql(at('primary'), `INSERT INTO big SELECT g, repeat(md5(g::text), 31) FROM generate_series(${from}, ${Math.min(rows, from + 65_535)}) g;`);
      }
    });
    s.metric('database size', await psql(at('primary'), "SELECT pg_size_pretty(pg_database_size('postgres'));"));
    const target = await psql(at('primary'), 'SELECT pg_current_wal_lsn();');
    for (;;) {
      if (await psql(at('replica1'), `SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn;`) === 't') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Writes the replica never receives: replication refused and cut on the primary, then a commit.
    const layout = dataLayout(stack.bundle, 'primary');
    await project.exec('primary', ['sed', '-i', '1i host replication all all reject', `${layout.pgdata}/pg-ha-init.hba.conf`], { user: 'postgres' });
    await psql(at('primary'), 'SELECT pg_reload_conf(); SELECT count(pg_terminate_backend(pid)) FROM pg_stat_replication;');
    await psql(at('primary'), 'CREATE TABLE lost AS SELECT g FROM generate_series(1, 100000) g;');
    await docker(['kill', '-s', 'KILL', await project.id('primary')]);
    const f = await cli(s, stack, ['failover', '--yes']);
    assert.equal(f.code, 0, f.stdout + f.stderr);

    const rejoinStart = Date.now();
    const r = await cli(s, stack, ['rejoin', 'primary', '--yes']);
    const rejoinMs = Date.now() - rejoinStart;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /with pg_rewind/);
    s.metric('rejoin with pg_rewind (command, until streaming)', rejoinMs, 'ms');

    await project.compose(['stop', 'primary']);
    await project.compose(['run', '--rm', '--no-deps', '-T', '--user', 'postgres', '--entrypoint', 'bash', 'primary', '-c', `mv "${layout.pgdata}" "${layout.pgdata}.bench-aside"`]);
    const cloneStart = Date.now();
    await project.compose(['start', 'primary']);
    await waitStreaming(at('replica1'), [{ node: at('primary'), name: 'primary' }], 1_800_000);
    const cloneMs = Date.now() - cloneStart;
    s.metric('full re-clone (start, until streaming)', cloneMs, 'ms');
    s.metric('rejoin / re-clone', (rejoinMs / cloneMs).toFixed(3));
  });
});
