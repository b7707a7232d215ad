// The sizing values on a real PostgreSQL 15 (run as `postgres`, loopback only): for a few inputs the
// settings are written into a conf file included from postgresql.conf, the server restarts with
// them, and SHOW prints exactly what the file says. huge_pages = try must start whether or not the
// host has huge pages reserved. The extreme input (4TB, 1024 cores, 10000 connections) cannot be
// started on a test machine, so `postgres -C` parses and range-checks each value without starting.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { shmSizeFor, sizeServer, type SizedSetting, type SizingInput } from '../../src/config/sizing.js';
import { PG_BIN, asPostgres, giveToPostgres } from '../support/as-postgres.js';
import { startPostgres } from '../support/postgres.js';

const GB = 1048576;

/** Our environment without PG* variables, which would redirect pg_ctl or postgres. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));

function runAsPostgres(command: string, args: string[]): { status: number | null; out: string } {
  const [cmd, argv] = asPostgres(join(PG_BIN, command), args);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env, timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

/** One postgresql.conf line per setting, in the form PGTune prints and the server reads. */
function confOf(settings: SizedSetting[]): string {
  return settings.map((s) => `${s.name} = ${s.value}`).join('\n') + '\n';
}

const STARTED: { why: string; input: SizingInput }[] = [
  { why: '4GB, 2 cores, ssd, 100 connections (the PGTune comparison row)', input: { memoryKb: 4 * GB, cpus: 2, storage: 'ssd', maxConnections: 100 } },
  { why: '256MB, 1 core, hdd, 10 connections (the minimum; wal_buffers 1960kB)', input: { memoryKb: 262144, cpus: 1, storage: 'hdd', maxConnections: 10 } },
  { why: '8GB, 16 cores, ssd, 500 connections (2GB shared_buffers, more workers than this machine has cores)', input: { memoryKb: 8 * GB, cpus: 16, storage: 'ssd', maxConnections: 500 } },
  { why: '300004kB, 3 cores, hdd, 10000 connections (kB values, the most connections)', input: { memoryKb: 300004, cpus: 3, storage: 'hdd', maxConnections: 10000 } },
];

// Started at the top level: startPostgres registers its stop with the file's after().
const pg = await startPostgres();
const conf = join(pg.dataDir, 'sizing.conf');
const log = join(pg.socketDir, 'server.log');
// The last include wins over anything set earlier in postgresql.conf, as the bundle's fragment does.
appendFileSync(join(pg.dataDir, 'postgresql.conf'), "\ninclude_if_exists = 'sizing.conf'\n");

describe('sizing on a real PostgreSQL 15', () => {
  /** Write the settings into sizing.conf and restart on them (pg_ctl reuses the port and socket options). */
  function restartWith(settings: SizedSetting[]): void {
    writeFileSync(conf, confOf(settings), { mode: 0o600 });
    giveToPostgres(conf);
    const restart = runAsPostgres('pg_ctl', ['-D', pg.dataDir, '-l', log, '-m', 'fast', '-w', '-t', '120', 'restart']);
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-30).join('\n') : '';
    assert.equal(restart.status, 0, `restart failed:\n${restart.out}\nserver log:\n${serverLog}`);
  }

  for (const { why, input } of STARTED) {
    test(`starts with, and SHOWs, the values for ${why}`, () => {
      const settings = sizeServer(input);
      restartWith(settings);

      const shown = pg.psql(settings.map((s) => `SHOW ${s.name};`).join('\n')).trimEnd().split('\n');
      assert.deepEqual(
        Object.fromEntries(settings.map((s, i) => [s.name, shown[i]])),
        Object.fromEntries(settings.map((s) => [s.name, s.value])),
        'SHOW prints what the file says',
      );

      // The values come from our file, not from defaults that happen to be equal (0.9, try, 100).
      const names = settings.map((s) => `'${s.name}'`).join(', ');
      const sources = pg.psql(`SELECT name || '|' || coalesce(sourcefile, source) FROM pg_settings WHERE name IN (${names}) ORDER BY name;`)
        .trimEnd().split('\n');
      assert.equal(sources.length, settings.length);
      for (const line of sources) assert.match(line, /\|.*\/sizing\.conf$/, line);
      assert.equal(pg.psql('SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL;').trim(), '0', 'no line of the conf was refused');
    });
  }

  // Why shm_size matters, measured: a parallel hash join keeps its hash table in dynamic shared
  // memory (/dev/shm in a container). With the 16GB / 8-core values it holds the whole table in one
  // batch, well over Docker's 64MB default and well under shmSizeFor(16GB). The docker suite shows
  // the failure itself; this host has a large /dev/shm, so here only the size is measured.
  test('a parallel hash join on the 16GB / 8-core values needs more than 64MB of shared memory, less than shmSizeFor', () => {
    const memoryKb = 16 * GB;
    restartWith(sizeServer({ memoryKb, cpus: 8, storage: 'ssd', maxConnections: 100 }));
    const plan = pg.psql(`
      CREATE UNLOGGED TABLE IF NOT EXISTS hash_build AS SELECT g AS id FROM generate_series(1, 3000000) g;
      CREATE UNLOGGED TABLE IF NOT EXISTS hash_probe AS SELECT g AS id FROM generate_series(1, 3000000) g;
      ANALYZE hash_build; ANALYZE hash_probe;
      SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET enable_mergejoin = off;
      EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT count(*) FROM hash_probe JOIN hash_build USING (id);
    `);
    // The planner picks 3 or 4 workers for tables this size; any number means a shared hash table.
    assert.match(plan, /Workers Launched: [1-9]/, plan);
    const hash = /Parallel Hash \(actual[^\n]*\n\s*Buckets: \d+\s+Batches: (\d+)\s+Memory Usage: (\d+)kB/.exec(plan);
    assert.ok(hash, `a Parallel Hash node with its memory in:\n${plan}`);
    const [batches, usedKb] = [Number(hash[1]), Number(hash[2])];
    const shmKb = Number(/^(\d+)g$/.exec(shmSizeFor(memoryKb))?.[1]) * GB;
    assert.equal(batches, 1, plan);
    assert.ok(usedKb > 64 * 1024, `${usedKb}kB is more than Docker's 64MB /dev/shm`);
    assert.ok(usedKb < shmKb, `${usedKb}kB fits shm_size ${shmSizeFor(memoryKb)}`);
  });

  test('postgres -C accepts every value for 4TB, 1024 cores, hdd, 10000 connections', () => {
    const settings = sizeServer({ memoryKb: 4096 * GB, cpus: 1024, storage: 'hdd', maxConnections: 10000 });
    const given = settings.flatMap((s) => ['-c', `${s.name}=${s.value}`]);
    for (const s of settings) {
      const r = runAsPostgres('postgres', ['-D', pg.dataDir, ...given, '-C', s.name]);
      assert.equal(r.status, 0, `${s.name} = ${s.value} refused:\n${r.out}`);
      // -C prints integers in the setting's base unit (8kB pages, kB, MB) without a unit.
      assert.equal(asBase(r.out.trim()), asBase(s.value, s.name), `${s.name}: ${s.value} read back as ${r.out.trim()}`);
    }
  });

  test('a value out of range is refused the same way, so the check above can fail', () => {
    const r = runAsPostgres('postgres', ['-D', pg.dataDir, '-c', 'max_parallel_workers=1025', '-C', 'max_parallel_workers']);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /1025 is outside the valid range for parameter "max_parallel_workers" \(0 \.\. 1024\)/);
  });
});

/** The server's base unit of the settings that have one, in kB (pages are 8kB). */
const BASE_KB: Record<string, number> = {
  shared_buffers: 8, effective_cache_size: 8, wal_buffers: 8,
  maintenance_work_mem: 1, work_mem: 1, min_wal_size: 1024, max_wal_size: 1024,
};
const UNIT_KB: Record<string, number> = { kB: 1, MB: 1024, GB: GB, TB: 1024 * GB };

/** A value as a number in the setting's base unit; values without a unit are returned as they are. */
function asBase(value: string, name?: string): string {
  const m = /^([0-9]+)(kB|MB|GB|TB)$/.exec(value);
  if (m === null || name === undefined) return value;
  const base = BASE_KB[name];
  assert.ok(base !== undefined, `${name} has a memory unit but no base unit in this test`);
  return String((Number(m[1]) * (UNIT_KB[m[2] as string] as number)) / base);
}
