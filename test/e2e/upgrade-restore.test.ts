// The SQL half of the README's "Upgrade to a new major", on the host: pg_dumpall from a running
// primary, a new primary (new empty data directory, the same password files, here the rendered
// SYNC_REPLICAS=1 fragment, the hardest case) restored with psql -q and
// PGOPTIONS='-c synchronous_commit=local', then a replica cloned from it. Real PostgreSQL 15 both
// times: this host has one major. Crossing majors (15 -> 18), and the docker compose commands
// themselves, are the docker suite's to run; this checks the steps cannot hang or lose a role.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PG_BIN } from '../support/as-postgres.js';
import { useRenderedFragments } from '../support/rendered-fragments.js';
import { assertNoProcessLeftBehind, execFileP, Lab, PASSWORD, PATH, waitRow, waitStreaming } from '../support/entrypoint-run.js';

after(assertNoProcessLeftBehind);

test('README upgrade steps: dump, restore into a new synchronous primary, clone a replica', { timeout: 300_000 }, async (t) => {
  const lab = new Lab(t);
  const old = await lab.primary('old_primary', PASSWORD);
  old.start();
  await old.waitHealthy();
  await old.sql("CREATE ROLE app LOGIN PASSWORD 'app-pw'");
  await old.sql('CREATE DATABASE appdb OWNER app');
  await old.sql('CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 1000)', 'appdb');

  // Step 1: the dump, then the old primary stops (its data stays).
  const dumpFile = join(lab.root, 'upgrade.sql');
  const { stdout: dump } = await execFileP(join(PG_BIN, 'pg_dumpall'), ['-p', String(old.port), '-U', 'postgres'], { env: { PATH }, maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(dumpFile, dump);
  await old.stop();

  // Step 3: the new bundle: same password files, the stack's SYNC_REPLICAS=1 fragment.
  useRenderedFragments(lab, { REPLICA_COUNT: '1', SYNC_REPLICAS: '1' });
  const primary = await lab.primary('primary', PASSWORD);

  // Step 4: the new primary alone, restored with synchronous_commit=local (no replica yet).
  primary.start();
  await primary.waitHealthy();
  const began = Date.now();
  const restore = await execFileP(join(PG_BIN, 'psql'), ['-X', '-q', '-p', String(primary.port), '-U', 'postgres', '-d', 'postgres', '-f', dumpFile], {
    env: { PATH, PGOPTIONS: '-c synchronous_commit=local' }, timeout: 60_000,
  });
  t.diagnostic(`restore: ${Date.now() - began} ms; its errors: ${restore.stderr.trim().split('\n').join(' | ')}`);
  // Only the roles the new primary made already exist; nothing else fails.
  for (const line of restore.stderr.split('\n').filter((l) => l.includes('ERROR'))) {
    assert.match(line, /role "(postgres|replicator)" already exists/, line);
  }
  assert.equal(await primary.sql('SELECT count(*) FROM orders', 'appdb'), '1000');
  assert.equal(await primary.sql("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'app'"), 't');

  // Step 5: a replica clones the restored primary with the same replication password, and the
  // synchronous setting is in force from then on.
  const replica = await lab.replica('replica1', primary, PASSWORD);
  replica.start();
  await replica.waitHealthy(120_000);
  await waitStreaming(primary, 'replica1');
  await primary.sql('INSERT INTO orders VALUES (1001)', 'appdb');
  assert.equal(await primary.sql("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'replica1'"), 'quorum');
  await waitRow(replica, "SELECT count(*) FROM pg_database WHERE datname = 'appdb'", '1');
  const { stdout } = await execFileP(join(PG_BIN, 'psql'), ['-X', '-A', '-t', '-p', String(replica.port), '-U', 'postgres', '-d', 'appdb', '-c', 'SELECT count(*) FROM orders'], { env: { PATH } });
  assert.equal(stdout.trim(), '1001');
});
