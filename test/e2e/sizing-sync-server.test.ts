// The rendered config fragment on real PostgreSQL 15 servers (run as postgres, loopback only),
// started by the real bundled entrypoint: a stack rendered with PG_MEMORY=4GB, PG_CPUS=2 and
// SYNC_REPLICAS=1 (one replica). Its postgresql.conf fragment replaces the harness bundle's,
// for both roles, exactly as rendered.
//   - both nodes start on the sized values, and SHOW prints each of them, read from the fragment;
//   - k=1: a commit returns while the replica streams; with the replica stopped a commit blocks
//     (wait_event SyncRep); restarting the replica unblocks it; the README's fallback to
//     asynchronous (ALTER SYSTEM + reload) releases a blocked commit too.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sizeServer } from '../../src/config/sizing.js';
import { PG_BIN } from '../support/as-postgres.js';
import { useRenderedFragments } from '../support/rendered-fragments.js';
import { assertNoProcessLeftBehind, Lab, PASSWORD, PATH, waitFor, waitRow, waitStreaming, type Node } from '../support/entrypoint-run.js';

after(assertNoProcessLeftBehind);

const SETTINGS = { REPLICA_COUNT: '1', PG_MEMORY: '4GB', PG_CPUS: '2', SYNC_REPLICAS: '1' };
const EXPECTED = sizeServer({ memoryKb: 4 * 1048576, cpus: 2, storage: 'ssd', maxConnections: 100 });

/** A statement in its own psql, not awaited: resolves with its output once the server answers. */
function background(node: Node, query: string): { done: Promise<string>; settled: () => boolean } {
  let settled = false;
  const done = new Promise<string>((resolve, reject) => {
    execFile(join(PG_BIN, 'psql'), ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-p', String(node.port), '-U', 'postgres', '-d', 'postgres', '-c', query],
      { env: { PATH }, timeout: 120_000 }, (error, stdout, stderr) => {
        settled = true;
        if (error) reject(new Error(`${String(error)}\n${stderr}`)); else resolve(`${stdout}${stderr}`);
      });
  });
  return { done, settled: () => settled };
}

async function waitSyncRep(primary: Node, marker: string): Promise<void> {
  await waitFor(async () => (await primary.sql(
    `SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND query LIKE '%${marker}%'`)) === '1',
  20_000, `a backend waiting on SyncRep for ${marker}`);
}

test('rendered fragment: sized values and ANY 1 synchronous replication on PostgreSQL 15', { timeout: 300_000 }, async (t) => {
  const lab = new Lab(t);
  useRenderedFragments(lab, SETTINGS);
  const primary = await lab.primary('primary', PASSWORD);
  // Named as the stack names it: its application_name is in the rendered ANY 1 (...) list.
  const replica = await lab.replica('replica1', primary, PASSWORD);
  primary.start();
  await primary.waitHealthy();
  replica.start();
  await replica.waitHealthy(120_000);
  await waitStreaming(primary, 'replica1');

  await t.test('both nodes run on every sized value, read from the fragment', async () => {
    for (const node of [primary, replica]) {
      const rows = (await node.sql(`SELECT name, setting, unit, sourcefile FROM pg_settings WHERE name IN (${EXPECTED.map((s) => `'${s.name}'`).join(', ')}) ORDER BY name`, 'postgres')).split('\n');
      assert.equal(rows.length, EXPECTED.length, node.label);
      for (const s of EXPECTED) {
        assert.equal(await node.sql(`SHOW ${s.name}`), s.value, `${node.label}: SHOW ${s.name}`);
      }
      // Not defaults that happen to match (100, 0.9, try): every value comes from the copied fragment.
      for (const row of rows) assert.match(row, /\|[^|]*pg-ha-init[^|]*$|\|[^|]*postgresql\.conf$/, `${node.label}: ${row}`);
      // listen_addresses aside: the harness overrides it on the command line (loopback only).
      const refused = await node.sql("SELECT sourcefile || ':' || sourceline || ' ' || name || ' ' || error FROM pg_file_settings WHERE error IS NOT NULL AND name <> 'listen_addresses'");
      assert.equal(refused, '', `${node.label}: no line refused`);
    }
    assert.equal(await primary.sql('SHOW synchronous_standby_names'), 'ANY 1 ("primary", "replica1")');
    assert.equal(await primary.sql('SHOW synchronous_commit'), 'on');
  });

  await t.test('k=1: a commit returns while the replica streams (quorum standby)', async () => {
    assert.equal(await primary.sql("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'replica1'"), 'quorum');
    const began = Date.now();
    await primary.sql('CREATE TABLE acked (id int PRIMARY KEY); INSERT INTO acked VALUES (1)');
    t.diagnostic(`commit with the synchronous replica up: ${Date.now() - began} ms`);
    // synchronous_commit = on: flushed on the replica when acknowledged; visible there once replayed.
    await waitRow(replica, 'SELECT count(*) FROM acked', '1');
  });

  await t.test('with the replica stopped a commit blocks on SyncRep; restarting the replica unblocks it', async () => {
    await replica.stop();
    const blocked = background(primary, 'INSERT INTO acked VALUES (2) /* blocked-while-down */');
    await waitSyncRep(primary, 'blocked-while-down');
    await delay(2_000);
    assert.equal(blocked.settled(), false, 'the commit is still waiting after 2 s');
    const began = Date.now();
    replica.start();
    await blocked.done;
    t.diagnostic(`unblocked ${Date.now() - began} ms after the replica was started`);
    await replica.waitHealthy(60_000);
    await waitRow(replica, 'SELECT count(*) FROM acked WHERE id = 2', '1');
  });

  await t.test('cancelling a blocked commit ends the wait, not the commit: it is local, with a warning', async () => {
    await replica.stop();
    const blocked = background(primary, 'INSERT INTO acked VALUES (3) /* cancelled */');
    await waitSyncRep(primary, 'cancelled');
    // Not visible to others while it waits: the commit is flushed locally but not yet acknowledged.
    assert.equal(await primary.sql('SELECT count(*) FROM acked WHERE id = 3'), '0');
    await primary.sql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
    const out = await blocked.done;
    assert.match(out, /canceling wait for synchronous replication due to user request/);
    assert.match(out, /already committed locally, but might not have been replicated/);
    assert.equal(await primary.sql('SELECT count(*) FROM acked WHERE id = 3'), '1');
  });

  await t.test('falling back to asynchronous on purpose (README): ALTER SYSTEM + reload releases waiting commits', async () => {
    const blocked = background(primary, 'INSERT INTO acked VALUES (4) /* until-fallback */');
    await waitSyncRep(primary, 'until-fallback');
    await primary.sql("ALTER SYSTEM SET synchronous_standby_names = ''");
    await primary.sql('SELECT pg_reload_conf()');
    await blocked.done;
    await primary.sql('INSERT INTO acked VALUES (5)');
    await primary.sql('ALTER SYSTEM RESET synchronous_standby_names');
    await primary.sql('SELECT pg_reload_conf()');
    await waitFor(async () => (await primary.sql('SHOW synchronous_standby_names')) !== '', 10_000, 'the fragment\'s line back in force');
    replica.start();
    await replica.waitHealthy(60_000);
    await waitStreaming(primary, 'replica1');
    await primary.sql('INSERT INTO acked VALUES (6)');
    await waitRow(replica, 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM acked', '1,2,3,4,5,6');
  });
});
