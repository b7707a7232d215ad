// Issue 12's shm_size, proven on the real engine: a parallel hash join whose shared hash table is
// larger than Docker's default 64MB /dev/shm succeeds in the generated stack (sized
// PG_MEMORY=16GB PG_CPUS=8, so work_mem lets the whole table fit in one batch), and the SAME query
// on the SAME data fails with "could not resize shared memory segment ... No space left on device"
// once shm_size is removed from compose.yaml (the primary recreated on its volume). The second half
// is what makes the first one mean something. test/e2e/sizing-server.test.ts measured the table
// size on the host (two 3M-row tables: ~150MB); here the container's /dev/shm is the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type Variant } from './support/matrix.js';
import { psql, scenario } from './support/scenario.js';

const VARIANT: Variant = { major: 18, engine: 'v2' };

// Forces a parallel plan on small-ish tables; mergejoin off so the planner takes the hash join.
const JOIN = `
  SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
  SET enable_parallel_hash = on; SET enable_mergejoin = off;
  EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT count(*) FROM hash_probe JOIN hash_build USING (id);`;

const PARALLEL_HASH = /Parallel Hash \(actual[^\n]*\n\s*Buckets: \d+\s+Batches: (\d+)\s+Memory Usage: (\d+)kB/;

test(`a parallel hash join over 64MB of shared memory: works with the bundle's shm_size, fails without it [${describe(VARIANT)}]`, { timeout: 300_000 }, async (t) => {
  await scenario(t, 'shm_size', VARIANT, async (s) => {
    const { bundle, project, primary } = await s.stack('shm', { REPLICA_COUNT: '1', PG_MEMORY: '16GB', PG_CPUS: '8' });
    const devShm = async (): Promise<string> => (await project.exec('primary', ['df', '-k', '--output=size', '/dev/shm'])).stdout.trim().split('\n').pop()?.trim() ?? '';
    const shmLine = /^ {4}shm_size: .*\n/m;
    assert.match(bundle.read('compose.yaml'), shmLine, 'the bundle sets shm_size');

    await s.steps([
      ['the primary up, two 3M-row tables', async () => {
        await s.time('primary up', () => project.up(['primary'], ['--wait']));
        await s.time('3M + 3M rows (UNLOGGED)', () => psql(primary, `
          CREATE UNLOGGED TABLE hash_build AS SELECT g AS id FROM generate_series(1, 3000000) g;
          CREATE UNLOGGED TABLE hash_probe AS SELECT g AS id FROM generate_series(1, 3000000) g;
          ANALYZE hash_build; ANALYZE hash_probe;`));
      }],
      ['with shm_size: one batch, more than 64MB of shared hash table', async () => {
        const shmKb = Number(await devShm());
        s.metric('/dev/shm with the bundle\'s shm_size', `${Math.round(shmKb / 1024)}MB`);
        const plan = await psql(primary, JOIN);
        console.log(plan);
        assert.match(plan, /Workers Launched: [1-9]/, plan);
        const hash = PARALLEL_HASH.exec(plan);
        assert.ok(hash, `a Parallel Hash node in:\n${plan}`);
        const [batches, usedKb] = [Number(hash[1]), Number(hash[2])];
        s.metric('Parallel Hash memory (one batch)', `${Math.round(usedKb / 1024)}MB`);
        assert.equal(batches, 1, plan);
        assert.ok(usedKb > 64 * 1024, `${usedKb}kB is more than Docker's default 64MB /dev/shm`);
        assert.ok(usedKb < shmKb, `${usedKb}kB fits the container's /dev/shm (${shmKb}kB)`);
      }],
      ['without shm_size (Docker\'s 64MB): the same query fails', async () => {
        writeFileSync(join(bundle.dir, 'compose.yaml'), bundle.read('compose.yaml').replace(new RegExp(shmLine.source, 'gm'), ''));
        assert.doesNotMatch(bundle.read('compose.yaml'), /shm_size/);
        await project.up(['primary'], ['--wait']); // recreated: the compose file changed; same volume
        const shmKb = Number(await devShm());
        s.metric('/dev/shm without shm_size', `${Math.round(shmKb / 1024)}MB`);
        assert.equal(shmKb, 64 * 1024, "Docker's default /dev/shm");
        const out = await project.psql('primary', JOIN, { user: primary.user, allowFail: true });
        console.log(out);
        assert.match(out, /could not resize shared memory segment|No space left on device/);
      }],
    ]);
  });
});
