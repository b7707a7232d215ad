// A former replica declared primary is PROMOTED at start (a new timeline and its .history file),
// never made writable by deleting standby.signal; and every replica ensures its slot on its
// current primary at every start, so a replica repointed to the promoted node streams after a
// restart. Real PostgreSQL 15 binaries, loopback, servers as postgres.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoProcessLeftBehind, Lab, PASSWORD, waitFor, waitRow, waitStreaming } from '../../support/entrypoint-run.js';
import { freePort } from '../../support/ports.js';

const timeline = 'SELECT timeline_id FROM pg_control_checkpoint()';

test('a replica declared primary is promoted on a new timeline; its sibling follows it after a restart', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t);
  const oldPrimary = await lab.primary('old_primary', PASSWORD);
  const promoted = await lab.replica('promoted', oldPrimary, PASSWORD);
  const sibling = await lab.replica('sibling', oldPrimary, PASSWORD);
  oldPrimary.start();
  await oldPrimary.waitHealthy();
  await oldPrimary.sql("CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'on timeline 1')");
  promoted.start();
  sibling.start();
  await promoted.waitHealthy();
  await sibling.waitHealthy();
  await waitRow(sibling, 'SELECT body FROM notes WHERE id = 1', 'on timeline 1');
  await waitRow(promoted, 'SELECT body FROM notes WHERE id = 1', 'on timeline 1');
  assert.equal(await promoted.sql(timeline), '1');

  // The operator's failover: the old primary is gone; this node is now declared the primary.
  await oldPrimary.stop();
  Object.assign(promoted.env, { REPLICATION_ROLE: 'primary' });
  delete promoted.env.PRIMARY_HOST;
  delete promoted.env.PRIMARY_PORT;
  delete promoted.env.REPLICA_NAME;
  const started = Date.now();
  const run = await promoted.restart();
  await promoted.waitHealthy(60_000);
  t.diagnostic(`promotion at start: restart to healthy primary in ${Date.now() - started} ms`);

  await t.test('promoted for real: timeline 1 -> 2, a history file, the data, writable', async () => {
    assert.match(run.stderr, /REPLICATION_ROLE=primary, but PGDATA .* holds standby\.signal/);
    assert.match(run.stderr, /\*{20,}/);
    assert.match(run.stderr, /promoted: timeline 1 -> 2/);
    assert.match(run.stderr, /ensuring role replicator/);
    assert.equal(await promoted.sql(timeline), '2');
    assert.ok(existsSync(join(promoted.pgdata, 'pg_wal', '00000002.history')), 'no 00000002.history');
    assert.ok(!existsSync(join(promoted.pgdata, 'standby.signal')));
    assert.equal(await promoted.sql('SELECT pg_is_in_recovery()'), 'f');
    assert.equal(await promoted.sql('SELECT body FROM notes WHERE id = 1'), 'on timeline 1');
    await promoted.sql("INSERT INTO notes VALUES (2, 'on timeline 2')");
    // The old primary's connection settings (and the password in them) are gone.
    assert.doesNotMatch(readFileSync(join(promoted.pgdata, 'postgresql.auto.conf'), 'utf8'), /primary_conninfo|primary_slot_name/);
  });

  await t.test('the sibling, repointed, creates its slot on the new primary at start and streams', async () => {
    assert.equal(await promoted.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'sibling'"), '0');
    sibling.env.PRIMARY_PORT = String(promoted.port);
    const restarted = await sibling.restart();
    await sibling.waitHealthy(60_000);
    assert.match(restarted.stderr, /replication slot sibling present on 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(restarted.stderr, /cloning the primary/);
    await waitStreaming(promoted, 'sibling');
    assert.equal(await promoted.sql("SELECT active FROM pg_replication_slots WHERE slot_name = 'sibling'"), 't');
    await waitRow(sibling, 'SELECT body FROM notes WHERE id = 2', 'on timeline 2');
    await waitFor(async () => (await sibling.sql('SELECT received_tli FROM pg_stat_wal_receiver')) === '2', 30_000, 'the sibling on timeline 2');
  });

  await t.test('a primary that does not answer does not hold a replica\'s start', async () => {
    const deadPort = await freePort();
    const began = Date.now();
    const restarted = await sibling.restart({ PRIMARY_PORT: String(deadPort) });
    await waitFor(async () => (await sibling.sql('SELECT pg_is_in_recovery()').catch(() => '')) === 't', 30_000, 'the sibling up in recovery');
    t.diagnostic(`replica start with an unreachable primary: serving reads after ${Date.now() - began} ms`);
    assert.ok(restarted.running, restarted.output);
    assert.match(restarted.stderr, /could not ensure replication slot sibling on 127\.0\.0\.1:\d+ now; starting anyway/);
    assert.equal(await sibling.sql('SELECT body FROM notes WHERE id = 2'), 'on timeline 2');
  });
});

after(assertNoProcessLeftBehind);
