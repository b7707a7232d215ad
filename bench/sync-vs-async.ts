// pgbench TPS, synchronous ÷ asynchronous replication, on the same stack in the same run (issue 12).
// One bundle rendered with SYNC_REPLICAS=1 and two replicas (PostgreSQL 18, Compose v2, the rig's
// engine), started with `docker compose up -d --wait`. The two modes are switched on the running
// primary, not rendered twice: asynchronous is `ALTER SYSTEM SET synchronous_standby_names = ''`
// + pg_reload_conf() (the README's "fall back to asynchronous on purpose"); synchronous is
// `ALTER SYSTEM RESET synchronous_standby_names` + reload (back to the bundle's `ANY 1 (...)`).
// Runs alternate sync, async, sync, async ... so drift on this shared machine hits both alike;
// each mode's figure is the median of its runs. pgbench runs inside the primary container
// (`docker compose exec -T primary pgbench`, the image's own pgbench, over the local socket).
//
//   node --import tsx bench/sync-vs-async.ts
//   BENCH_RUNS=5 BENCH_SECONDS=10 BENCH_CLIENTS=8 BENCH_SCALE=10 node --import tsx bench/sync-vs-async.ts
//
// Prints figures; never fails on them. Everything is taken down (with its volumes) afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderBundle } from '../test/e2e-docker/support/bundle.js';
import { median, waitFor } from '../test/e2e-docker/support/process.js';
import { Project } from '../test/e2e-docker/support/project.js';
import { freePorts, requireImage, rig } from '../test/e2e-docker/support/rig.js';
import { waitStreaming } from '../test/e2e-docker/support/scenario.js';

const RUNS = Number(process.env.BENCH_RUNS ?? '5');
const SECONDS = Number(process.env.BENCH_SECONDS ?? '10');
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? '8');
const SCALE = Number(process.env.BENCH_SCALE ?? '10');
const MAJOR = 18;

type Mode = 'sync' | 'async';

async function main(): Promise<void> {
  await rig();
  await requireImage(MAJOR);
  const dir = mkdtempSync(join(tmpdir(), 'pg-ha-bench-sync-'));
  const port = await freePorts(3);
  const bundle = renderBundle(dir, 'stack', { PG_MAJOR: String(MAJOR), REPLICA_COUNT: '2', PRIMARY_PORT: String(port), SYNC_REPLICAS: '1' });
  const project = new Project(`pgha-bench-sync-${Math.random().toString(36).slice(2, 7)}`, dir, 'v2');
  const user = bundle.config.postgresUser;
  const sql = (text: string): Promise<string> => project.psql('primary', text, { user });
  try {
    await project.up([], ['--wait']);
    await waitStreaming({ project, service: 'primary', user }, ['replica1', 'replica2'].map((name) => ({ node: { project, service: name, user }, name })));
    const rendered = await sql('SHOW synchronous_standby_names;');
    await project.exec('primary', ['pgbench', '-i', '-q', '-s', String(SCALE), '-U', user, 'postgres'], { user: 'postgres', timeoutMs: 300_000 });

    const setMode = async (mode: Mode): Promise<void> => {
      await sql(mode === 'async' ? "ALTER SYSTEM SET synchronous_standby_names = '';" : 'ALTER SYSTEM RESET synchronous_standby_names;');
      await sql('SELECT pg_reload_conf();');
      const want = mode === 'async' ? '' : rendered;
      await waitFor(async () => ((await sql('SHOW synchronous_standby_names;')) === want ? true : undefined), { timeoutMs: 10_000, intervalMs: 100, what: `${mode} mode` });
      // Every walsender sees the change too: sync_state quorum (sync) or async.
      const state = mode === 'async' ? 'async' : 'quorum';
      await waitFor(async () => ((await sql(`SELECT bool_and(sync_state = '${state}') AND count(*) = 2 FROM pg_stat_replication;`)) === 't' ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 100, what: `both replicas ${state}` });
    };

    const tps: Record<Mode, number[]> = { sync: [], async: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const mode of ['sync', 'async'] as const) {
        await setMode(mode);
        const r = await project.exec('primary', ['pgbench', '-n', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-U', user, 'postgres'],
          { user: 'postgres', timeoutMs: (SECONDS + 120) * 1000 });
        const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
        if (!m) throw new Error(`no tps in pgbench's output:\n${r.stdout}\n${r.stderr}`);
        tps[mode].push(Number(m[1]));
        console.log(`run ${i + 1} ${mode.padEnd(5)} ${Number(m[1]).toFixed(0)} tps`);
      }
    }
    const sync = median(tps.sync);
    const async = median(tps.async);
    console.log(`\npgbench TPC-B-like, scale ${SCALE}, ${CLIENTS} clients, ${SECONDS} s per run, ${RUNS} runs per mode, PostgreSQL ${MAJOR}, docker compose (v2), primary + 2 replicas on one machine`);
    console.log(`synchronous (synchronous_standby_names = ${rendered}): median ${sync.toFixed(0)} tps (${tps.sync.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`asynchronous (synchronous_standby_names = ''): median ${async.toFixed(0)} tps (${tps.async.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`sync ÷ async: ${(sync / async).toFixed(2)}`);
  } finally {
    await project.down();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench/sync-vs-async.ts could not measure: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
