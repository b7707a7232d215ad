// Scenario 3 (part 2): the faults that need volume, on one single-host stack (primary + 2
// replicas) whose primary comes to hold ~1 GB:
//   - replica1 is stopped while the primary writes several times wal_keep_size of WAL (the 1 GB
//     load itself): its slot keeps the WAL, and it catches up when started again;
//   - replica2 is then started, killed (`docker kill`) in the middle of pg_basebackup, and
//     started again: it re-clones, and never runs read-write on the partial directory.
// Each ends with every committed row present on every replica.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { dataLayout } from './support/bundle.js';
import { describe, variants } from './support/matrix.js';
import { docker, imageFor } from './support/rig.js';
import { waitFor } from './support/process.js';
import {
  createRowsTable, expectRowsEverywhere, psql, scenario, waitStreaming, walBytes, writeRows,
  type Stack,
} from './support/scenario.js';

const MB = 1024 * 1024;
const WAL_KEEP_SIZE = 256 * MB;
/** Rows of ~1.8 kB, stored uncompressed (below the TOAST threshold): 4 per 8 kB page. */
const BIG_ROWS = 540_000;
const BIG_CHECK = "SELECT count(*) || ':' || sum(id) || ':' || sum(hashtext(pad)::bigint) FROM big;";
const BIG_SQL = `CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 56) AS pad FROM generate_series(1, ${BIG_ROWS}) g;`;

for (const variant of variants('faultsBig')) {
  test(`faults with ~1 GB [${describe(variant)}]: WAL kept by the slot while a replica is down; a clone killed midway re-clones`, { timeout: 600_000 }, async (t) => {
    await scenario(t, 'scenario 3b: faults with ~1 GB on the primary', variant, async (s) => {
      let stack: Stack | undefined;
      let committed = 0;
      const st = (): Stack => stack as Stack;

      await s.steps([
        ['primary + replica1 streaming', async () => {
          stack = await s.stack('faults-big', { REPLICA_COUNT: '2' });
          await st().project.up(['primary', 'replica1']);
          await waitStreaming(st().primary, [st().refs[0]!]);
          await createRowsTable(st().primary);
          committed = await writeRows(st().primary, 'before replica1 stops', 10);
        }],

        ['replica1 stopped while the primary writes several times wal_keep_size; the slot keeps the WAL; it catches up', async () => {
          const { primary, project } = st();
          const replica1 = st().replicas[0]!;
          await project.compose(['stop', '-t', '60', 'replica1']);
          const before = await walBytes(primary, 'pg_current_wal_lsn()');
          await s.time('write ~1 GB on the primary (CREATE TABLE AS, WAL-logged)', () => psql(primary, BIG_SQL));
          committed = await writeRows(primary, 'while replica1 is down', 10);
          const target = await walBytes(primary, 'pg_current_wal_lsn()');
          const walVolume = Number(target - before);
          s.metric('table size on the primary', Math.round(Number(await psql(primary, "SELECT pg_total_relation_size('big');")) / MB), 'MB');
          s.metric('WAL written while replica1 was down', Math.round(walVolume / MB), `MB (${(walVolume / WAL_KEEP_SIZE).toFixed(1)} x wal_keep_size)`);
          assert.ok(walVolume >= 3 * WAL_KEEP_SIZE, `wrote ${walVolume} bytes of WAL, want several times wal_keep_size`);

          // The slot holds all of it: restart_lsn is still before the load, and pg_wal is that big.
          const [status, retained, safe] = (await psql(primary,
            "SELECT wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, coalesce(safe_wal_size, -1) FROM pg_replication_slots WHERE slot_name = 'replica1';")).split('|');
          const pgWal = Number(await psql(primary, 'SELECT sum(size) FROM pg_ls_waldir();'));
          s.metric('slot replica1 while down', `wal_status=${status}, retains ${Math.round(Number(retained) / MB)} MB, safe_wal_size ${Math.round(Number(safe) / MB)} MB, pg_wal ${Math.round(pgWal / MB)} MB`);
          assert.ok(status === 'reserved' || status === 'extended', `wal_status ${status}`);
          assert.ok(Number(retained) >= walVolume, 'the slot retains every byte written since the replica stopped');
          assert.ok(pgWal >= walVolume * 0.9 && pgWal > WAL_KEEP_SIZE, `pg_wal holds ${pgWal} bytes: more than wal_keep_size, kept for the slot`);
          assert.ok(Number(safe) > 0, 'still under max_slot_wal_keep_size');
          assert.equal(await psql(primary, 'SHOW max_slot_wal_keep_size;'), '4GB');

          const started = Date.now();
          await project.compose(['start', 'replica1']);
          await waitFor(async () => ((await walBytes(replica1, 'pg_last_wal_replay_lsn()')) >= target ? true : undefined),
            { timeoutMs: 300_000, intervalMs: 250, what: 'replica1 to replay the WAL written while it was down' });
          s.metric('catch-up: replica1 start -> replayed everything written while down', Date.now() - started, 'ms');
          await waitStreaming(primary, [st().refs[0]!]);
          await expectRowsEverywhere(primary, [replica1], committed);
          assert.equal(await psql(replica1, BIG_CHECK), await psql(primary, BIG_CHECK));
          assert.equal(await psql(replica1, 'SELECT pg_is_in_recovery();'), 't');
        }],

        ['replica2 killed in the middle of pg_basebackup re-clones on restart, never read-write on a partial copy', async () => {
          const { primary, project } = st();
          const replica2 = st().replicas[1]!;
          const volume = `${project.name}_replica2-data`;
          const upStarted = Date.now();
          await project.up(['replica2'], ['--no-deps']);
          // Kill once the primary has sent a good part (and not all) of the base backup.
          const progress = await waitFor(async () => {
            const row = await psql(primary, 'SELECT backup_streamed, backup_total FROM pg_stat_progress_basebackup;');
            const [streamed, total] = row.split('|').map(Number);
            return total && streamed !== undefined && streamed >= total * 0.3 ? { streamed, total } : undefined;
          }, { timeoutMs: 120_000, intervalMs: 100, what: 'the base backup to get under way' });
          await docker(['kill', await project.id('replica2')]);
          s.metric('killed at', `${Math.round(progress.streamed / MB)} of ${Math.round(progress.total / MB)} MB streamed, ${((Date.now() - upStarted) / 1000).toFixed(1)} s after up`);

          // On the volume: a partial clone in the hidden staging directory beside PGDATA (this
          // major's layout), nothing in PGDATA.
          const layout = dataLayout(st().bundle, 'replica2');
          const staging = layout.staging('clone');
          const look = await docker(['run', '--rm', '--network', 'none', '-v', `${volume}:/v`, imageFor(variant.major), 'sh', '-c',
            'ls -A "/v/$1"; echo "pgdata: $(ls -A "/v/$2" 2>/dev/null | wc -l) entries"; du -sm "/v/$3" | cut -f1',
            'sh', posix.dirname(layout.inVolume), layout.inVolume, staging], { timeoutMs: 60_000 });
          const [entries, pgdataLine, partialMb] = look.stdout.trim().split('\n').reduce<[string[], string, string]>(
            (acc, line) => (line.startsWith('pgdata:') ? [acc[0], line, acc[2]] : /^\d+$/.test(line) ? [acc[0], acc[1], line] : [[...acc[0], line], acc[1], acc[2]]),
            [[], '', '']);
          s.metric('volume after the kill', `${entries.join(' ')}; ${pgdataLine}; partial clone ${partialMb} MB`);
          assert.ok(entries.includes(posix.basename(staging)), `staging directory ${staging} left behind: ${look.stdout}`);
          assert.equal(pgdataLine, 'pgdata: 0 entries', 'PGDATA was never populated');
          assert.ok(Number(partialMb) > 0);

          const restarted = Date.now();
          await project.compose(['start', 'replica2']);
          await waitStreaming(primary, [st().refs[1]!], 300_000);
          s.metric('re-clone: start after the kill -> streaming', Date.now() - restarted, 'ms');
          const logs = await project.logs('replica2');
          assert.ok(logs.includes(`warning: removing ${posix.join(layout.mount, staging)}, left over from an interrupted attempt`), 'the partial clone is removed, loudly');
          assert.equal(logs.split('clone complete').length - 1, 1, 'one completed clone');
          assert.doesNotMatch(logs, /database system is ready to accept connections/, 'never read-write');
          assert.match(logs, /database system is ready to accept read-only connections/);
          assert.equal(await psql(replica2, 'SELECT pg_is_in_recovery();'), 't');

          committed = await writeRows(primary, 'after the re-clone', 10);
          await expectRowsEverywhere(primary, st().replicas, committed);
          assert.equal(await psql(replica2, BIG_CHECK), await psql(primary, BIG_CHECK));
        }],
      ]);
    });
  });
}
