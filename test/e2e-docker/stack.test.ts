// Scenario 1: the single-host stack (`--stack`, primary + 2 replicas) started unmodified by a
// real Docker engine, on every major the rig builds and with both Compose engines: config valid,
// all healthy, both replicas streaming through their own slot, a row written on the primary read
// on both replicas, writes refused on replicas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataLayout } from './support/bundle.js';
import { describe, variants } from './support/matrix.js';
import { run } from './support/process.js';
import { createRowsTable, expectRowsEverywhere, psql, scenario, waitStreaming, writeRows } from './support/scenario.js';

for (const variant of variants('stack')) {
  test(`single-host stack [${describe(variant)}]: primary + 2 replicas stream, replicate a row and refuse writes on replicas`, { timeout: 300_000 }, async (t) => {
    await scenario(t, 'scenario 1: single-host stack', variant, async (s) => {
      const { bundle, project, port, primary, replicas, refs } = await s.stack('stack', { REPLICA_COUNT: '2' });

      const config = await project.compose(['config', '-q']);
      assert.equal(config.stdout + config.stderr, '', `${project.command} config -q prints nothing for a valid file`);

      const upStarted = Date.now();
      const streaming = waitStreaming(primary, refs);
      await s.time(`${project.command} up -d (returns once the primary is healthy)`, () => project.up());
      const rows = await streaming;
      s.metric('up -> all replicas streaming', Date.now() - upStarted, 'ms');
      await project.waitHealthy(['primary', 'replica1', 'replica2'], 120_000);
      s.metric('up -> all three healthy', Date.now() - upStarted, 'ms');

      // Each replica streams through its own physical slot, named like its application_name.
      assert.deepEqual(rows.map((r) => [r.applicationName, r.state, r.slot]), [
        ['replica1', 'streaming', 'replica1'],
        ['replica2', 'streaming', 'replica2'],
      ]);
      assert.notEqual(rows[0]?.clientAddr, rows[1]?.clientAddr, 'two different containers');
      const slots = await psql(primary, 'SELECT slot_name, slot_type, active FROM pg_replication_slots ORDER BY 1;');
      assert.equal(slots, 'replica1|physical|t\nreplica2|physical|t');

      // The image of the variant's major runs, with the official image's data layout for it.
      for (const node of [primary, ...replicas]) {
        assert.equal(await psql(node, "SELECT current_setting('server_version_num')::int / 10000;"), String(variant.major), `${node.service} runs PostgreSQL ${variant.major}`);
        assert.equal(await psql(node, 'SHOW data_directory;'), dataLayout(bundle, node.service).pgdata);
      }
      assert.equal(await psql(primary, 'SELECT pg_is_in_recovery();'), 'f');
      for (const replica of replicas) assert.equal(await psql(replica, 'SELECT pg_is_in_recovery();'), 't', `${replica.service} is a standby`);

      // A committed row reaches both replicas.
      await createRowsTable(primary);
      const count = await writeRows(primary, 'written on the primary', 1);
      await expectRowsEverywhere(primary, replicas, count);
      for (const replica of replicas) {
        assert.equal(await psql(replica, 'SELECT tag FROM e2e_rows;'), 'written on the primary');
      }

      // Writes on a replica are refused.
      for (const replica of replicas) {
        const refused = await project.psql(replica.service, "INSERT INTO e2e_rows (tag) VALUES ('on a replica');", { allowFail: true });
        assert.match(refused, /ERROR.*cannot execute INSERT in a read-only transaction/, `${replica.service}: ${refused}`);
        const ddl = await project.psql(replica.service, 'CREATE TABLE nope (x int);', { allowFail: true });
        assert.match(ddl, /cannot execute CREATE TABLE in a read-only transaction/);
      }

      // The published loopback ports, from the host, with the superuser's password (SCRAM over TCP).
      const password = bundle.secrets.postgres;
      assert.ok(password, 'a superuser password was generated');
      for (const [i, expected] of [[0, 'false'], [1, 'true'], [2, 'true']] as const) {
        const r = await run('psql', ['-X', '-At', '-h', '127.0.0.1', '-p', String(port + i), '-U', 'postgres', '-d', 'postgres',
          '-c', "SELECT pg_is_in_recovery() || ' ' || (SELECT count(*) FROM e2e_rows);"],
        { env: { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' }, timeoutMs: 20_000 });
        assert.equal(r.stdout.trim(), `${expected} 1`, `127.0.0.1:${port + i}`);
      }
    });
  });
}
