// Rejoin with pg_rewind versus a full re-clone, on a primary holding ~1 GB (issue 11's figure; the
// aim is a ratio of 0.2 or less). Not part of the docker suite (it writes and copies a gigabyte on
// the shared rig): run it on its own, in a clean environment.
//
//   env -u NODE_EXTRA_CA_CERTS node --import tsx --test bench/rejoin-vs-reclone.ts          # ~1 GB, PG 18, Compose v2, 1 run
//   BENCH_RUNS=3 BENCH_MB=256 BENCH_MAJOR=15 node --import tsx --test bench/rejoin-vs-reclone.ts
//   BENCH_SETTLE=1 …   # checkpoint + restartpoint after the fill: the last shared checkpoint is recent
//
// Each run: a stack of primary + 1 replica; BENCH_MB of rows are written and replicated; the
// replica is cut off (replication refused on the primary) while the primary commits more rows, the
// primary is killed (kill -9), and `pg-ha-init failover` promotes the replica. Then:
// - rejoin: `pg-ha-init rejoin primary` (it diverged, so: diverged WAL saved aside, pg_rewind),
//   until it streams; pg_rewind's own time and copy size are taken from the command's notes;
// - re-clone: the same node stopped, its PGDATA moved aside (what `rejoin --reclone` does),
//   started: the entrypoint clones the whole database with pg_basebackup, until it streams.
// Medians over the runs, with n, the database size and the load average printed beside them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { median } from './support.js';
import { dataLayout } from '../test/e2e-docker/support/bundle.js';
import { cli } from '../test/e2e-docker/support/day2.js';
import { scenario, psql, waitStreaming, type Node } from '../test/e2e-docker/support/scenario.js';
import { docker } from '../test/e2e-docker/support/rig.js';

const MB = Number(process.env.BENCH_MB ?? '1024');
const MAJOR = Number(process.env.BENCH_MAJOR ?? '18');
const RUNS = Number(process.env.BENCH_RUNS ?? '1');
// BENCH_SETTLE=1: after the fill, a checkpoint on the primary and a restartpoint on the replica
// before the cut, so the last shared checkpoint is recent (a database at rest, not a bulk load
// cut short): what rejoin then costs besides the WAL since that checkpoint.
const SETTLE = process.env.BENCH_SETTLE === '1';

interface Run { rejoinMs: number; rewindMs: number; rewindMb: number; cloneMs: number; size: string; load: string; walDir: string }

test(`rejoin (pg_rewind) vs re-clone on ~${MB} MB [PG ${MAJOR}, docker compose (v2)], ${RUNS} run(s)${SETTLE ? ', settled before the cut' : ''}`, { timeout: 3_600_000 * RUNS }, async (t) => {
  const runs: Run[] = [];
  for (let i = 1; i <= RUNS; i++) {
    await scenario(t, `rejoin-vs-reclone run ${i}`, { major: MAJOR, engine: 'v2' }, async (s) => {
      const stack = await s.stack('rejoinbench', { REPLICA_COUNT: '1' });
      const { project } = stack;
      const at = (service: string): Node => ({ project, service, user: stack.bundle.config.postgresUser });
      const load = [loadavg()[0]?.toFixed(1) ?? '?'];
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
      const size = await psql(at('primary'), "SELECT pg_size_pretty(pg_database_size('postgres'));");
      s.metric('database size', size);
      const target = await psql(at('primary'), 'SELECT pg_current_wal_lsn();');
      for (;;) {
        if (await psql(at('replica1'), `SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn;`) === 't') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      if (SETTLE) {
        await psql(at('primary'), 'CHECKPOINT;');
        const settled = await psql(at('primary'), 'SELECT pg_current_wal_lsn();');
        while (await psql(at('replica1'), `SELECT pg_last_wal_replay_lsn() >= '${settled}'::pg_lsn;`) !== 't') await new Promise((r) => setTimeout(r, 500));
        await psql(at('replica1'), 'CHECKPOINT;');
      }
      s.metric('last checkpoint before the cut: redo / record / end of WAL', (await psql(at('primary'), 'SELECT redo_lsn, checkpoint_lsn, pg_current_wal_lsn() FROM pg_control_checkpoint();')).replaceAll('|', ' / '));
      // Writes the replica never receives: replication refused and cut on the primary, then a commit.
      const layout = dataLayout(stack.bundle, 'primary');
      await project.exec('primary', ['sed', '-i', '1i host replication all all reject', `${layout.pgdata}/pg-ha-init.hba.conf`], { user: 'postgres' });
      await psql(at('primary'), 'SELECT pg_reload_conf(); SELECT count(pg_terminate_backend(pid)) FROM pg_stat_replication;');
      await psql(at('primary'), 'CREATE TABLE lost AS SELECT g FROM generate_series(1, 100000) g;');
      await docker(['kill', '-s', 'KILL', await project.id('primary')]);
      const f = await cli(s, stack, ['failover', '--yes']);
      assert.equal(f.code, 0, f.stdout + f.stderr);
      s.metric('failover steps', `\n${f.stdout.split('\n').filter((l) => /✔|✖/u.test(l)).join('\n')}`);

      // What pg_rewind will copy besides changed blocks: every file in the new primary's pg_wal,
      // the WAL its slots retain and the segments recycled ahead of its insert position alike.
      const walDir = await psql(at('replica1'), `SELECT count(*) || ' segments, ' || pg_size_pretty(sum(size)) || ' (' || count(*) FILTER (WHERE substr(name, 9) > substr(pg_walfile_name(pg_current_wal_lsn()), 9)) || ' recycled ahead)' FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$';`);
      s.metric('new primary pg_wal before rejoin', walDir);
      s.metric('new primary slots', (await psql(at('replica1'), "SELECT string_agg(slot_name || ' ' || restart_lsn || ' ' || coalesce(wal_status, ''), '; ') FROM pg_replication_slots;")));
      load.push(loadavg()[0]?.toFixed(1) ?? '?');
      const rejoinStart = Date.now();
      const r = await cli(s, stack, ['rejoin', 'primary', '--yes']);
      const rejoinMs = Date.now() - rejoinStart;
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /with pg_rewind/);
      s.metric('rejoin output', `\n${r.stdout.split('\n').filter((l) => /✔|✖|pg_rewind:|saved in/u.test(l)).join('\n')}`);
      const rewind = /pg_rewind: ([\d.]+) s(?:, (\d+) MB copied)?/u.exec(r.stdout);
      s.metric('rejoin with pg_rewind (command, until streaming)', rejoinMs, 'ms');

      await project.compose(['stop', 'primary']);
      await project.compose(['run', '--rm', '--no-deps', '-T', '--user', 'postgres', '--entrypoint', 'bash', 'primary', '-c', `mv "${layout.pgdata}" "${layout.pgdata}.bench-aside"`]);
      load.push(loadavg()[0]?.toFixed(1) ?? '?');
      const cloneStart = Date.now();
      await project.compose(['start', 'primary']);
      await waitStreaming(at('replica1'), [{ node: at('primary'), name: 'primary' }], 1_800_000);
      const cloneMs = Date.now() - cloneStart;
      load.push(loadavg()[0]?.toFixed(1) ?? '?');
      s.metric('full re-clone (start, until streaming)', cloneMs, 'ms');
      s.metric('rejoin / re-clone', (rejoinMs / cloneMs).toFixed(3));
      s.metric('load average (1 min) at start / rejoin / re-clone / end', load.join(' / '));
      runs.push({ rejoinMs, rewindMs: Number(rewind?.[1] ?? 'NaN') * 1000, rewindMb: Number(rewind?.[2] ?? 'NaN'), cloneMs, size, load: load.join('/'), walDir });
    });
  }
  const m = (pick: (r: Run) => number): number => median(runs.map(pick));
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  console.log([
    `rejoin vs re-clone, ~${MB} MB written${SETTLE ? ', then a checkpoint and a restartpoint before the cut' : ' and cut short by the kill'} (database ${runs.map((r) => r.size).join(', ')}), PG ${MAJOR}, Compose v2, n=${runs.length}${runs.length > 1 ? ' (medians)' : ''}:`,
    `  rejoin (pg_rewind), until streaming: ${secs(m((r) => r.rejoinMs))}   [${runs.map((r) => secs(r.rejoinMs)).join(', ')}]`,
    `    of which pg_rewind: ${secs(m((r) => r.rewindMs))}, ${m((r) => r.rewindMb)} MB copied (new primary's pg_wal: ${runs.map((r) => r.walDir).join('; ')})`,
    `  re-clone, until streaming:           ${secs(m((r) => r.cloneMs))}   [${runs.map((r) => secs(r.cloneMs)).join(', ')}]`,
    `  ratio (median of per-run ratios):    ${median(runs.map((r) => r.rejoinMs / r.cloneMs)).toFixed(3)}   [${runs.map((r) => (r.rejoinMs / r.cloneMs).toFixed(3)).join(', ')}]`,
    `  load average (1 min) start/rejoin/re-clone/end: ${runs.map((r) => r.load).join('; ')}`,
  ].join('\n'));
});
