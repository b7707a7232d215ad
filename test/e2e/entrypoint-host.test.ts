// The bundled entrypoint on real PostgreSQL binaries, on loopback: a primary started as root (it
// must drop to postgres itself) and a replica started as postgres stream; restarts, convergence
// of passwords and PRIMARY_HOST, a replica restarted without HA_MODE (promoted, standalone), and
// the refusal to make that former replica a replica again. Plus standalone semantics.
// Harness: test/support/entrypoint-run.ts. Faults: test/e2e/entrypoint/*.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { giveToPostgres, PG_BIN } from '../support/as-postgres.js';
import {
  ArgvWatcher, assertNoProcessLeftBehind, assertNoSecret, comm, execFileP, Lab, managedBlockCount, PASSWORD, PATH, waitFor, waitRow, waitStreaming,
} from '../support/entrypoint-run.js';

test('primary (as root) and replica (as postgres) stream; restart, convergence, refusal', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t);
  // The primary logs every statement, twice over: the password must still not appear.
  appendFileSync(join(lab.bundle.configDir('primary'), 'postgresql.conf'),
    "log_statement = 'all'\nlog_min_duration_statement = 0\nlog_connections = on\n");
  const superPassword = 'su-$(id)-"quoted"';
  const secrets = [PASSWORD, superPassword];
  const watcher = new ArgvWatcher(secrets);
  const primary = await lab.primary('primary', PASSWORD, { superPassword });
  const replica = await lab.replica('replica_one', primary, PASSWORD);

  const started = Date.now();
  primary.start();
  await primary.waitHealthy();
  await primary.sql("CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'before the clone')");
  replica.start();
  await replica.waitHealthy();
  t.diagnostic(`primary start to replica healthy: ${Date.now() - started} ms`);

  await t.test('the replica streams through its slot and serves the data read-only', async () => {
    await waitStreaming(primary, 'replica_one');
    assert.equal(await primary.sql("SELECT slot_type || ' ' || active FROM pg_replication_slots WHERE slot_name = 'replica_one'"), 'physical true');
    assert.equal(await replica.sql('SELECT pg_is_in_recovery()'), 't');
    await primary.sql("INSERT INTO notes VALUES (2, 'after the clone')");
    await waitRow(replica, 'SELECT body FROM notes WHERE id = 2', 'after the clone');
    assert.match(await replica.sqlError("INSERT INTO notes VALUES (3, 'no')"), /cannot execute INSERT in a read-only transaction/);
  });

  await t.test('the entrypoint dropped to postgres and exec-ed the server with no secret in its environment', () => {
    const run = primary.run!;
    assert.equal(comm(run.pid), 'postgres');
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${run.pid}/status`, 'utf8'))?.[1];
    assert.equal(uid, String(statSync(primary.pgdata).uid));
    assert.notEqual(uid, '0');
    for (const node of [primary, replica]) {
      const environ = readFileSync(`/proc/${node.run!.pid}/environ`).toString('utf8');
      assertNoSecret(environ, secrets, `${node.label}'s server environment`);
      assert.doesNotMatch(environ, /(REPLICATION|POSTGRES)_PASSWORD/);
    }
  });

  await t.test('the reviewed pg_hba fragment is the pg_hba in force, via an absolute hba_file', async () => {
    for (const node of [primary, replica]) {
      assert.equal(await node.sql('SHOW hba_file'), join(node.pgdata, 'pg-ha-init.hba.conf'));
      assert.equal(managedBlockCount(node.pgdata), 1);
      assert.match(readFileSync(join(node.pgdata, 'postgresql.conf'), 'utf8'), /# END pg-ha-init\n$/);
      assert.equal(statSync(join(node.pgdata, 'pg-ha-init.hba.conf')).mode & 0o777, 0o600);
      // pg_rewind's prerequisite on clusters without checksums, in force from the first start.
      assert.equal(await node.sql('SHOW wal_log_hints'), 'on');
    }
    // initdb's pg_hba.conf would let the superuser replicate from loopback; the fragment does not.
    const rejected = await execFileP(join(PG_BIN, 'pg_basebackup'), ['-D', join(lab.root, 'never'), '-w'], {
      env: { PATH, PGHOST: '127.0.0.1', PGPORT: String(primary.port), PGUSER: 'postgres', PGPASSWORD: superPassword },
    }).then(() => '', (error: { stderr?: string }) => error.stderr ?? '');
    assert.match(rejected, /no pg_hba\.conf entry for replication connection/);
    // The superuser password went through initdb --pwfile intact.
    const { stdout } = await execFileP(join(PG_BIN, 'psql'), ['-XAtc', 'SELECT current_user'], {
      env: { PATH, PGHOST: '127.0.0.1', PGPORT: String(primary.port), PGUSER: 'postgres', PGDATABASE: 'postgres', PGPASSWORD: superPassword },
    });
    assert.equal(stdout.trim(), 'postgres');
  });

  await t.test('primary_conninfo names the replica and stays private', () => {
    const autoConf = join(replica.pgdata, 'postgresql.auto.conf');
    const text = readFileSync(autoConf, 'utf8');
    assert.match(text, /^primary_conninfo = '.*application_name=(?:'')?replica_one(?:'')?.*'$/m);
    assert.match(text, /^primary_slot_name = 'replica_one'$/m);
    assert.equal(statSync(autoConf).mode & 0o777, 0o600);
  });

  await t.test('no secret in argv, in the entrypoints\' output or in the primary\'s server log', () => {
    assert.deepEqual(watcher.stop(), []);
    for (const run of [primary.run!, replica.run!]) assertNoSecret(run.stdout + run.stderr, secrets, `${run.label}'s output`);
    // The temporary server logged the session's first statement, so the logging was in force.
    assert.match(primary.run!.stderr, /statement: SET log_statement = 'none'/);
    assert.match(primary.run!.stderr, /duration: [\d.]+ ms +statement: SET log_min_error_statement = 'panic'/);
  });

  await t.test('a restarted replica keeps its data directory and resumes streaming', async () => {
    const marker = join(replica.pgdata, 'pg-ha-init-test-marker');
    writeFileSync(marker, 'kept');
    giveToPostgres(marker);
    const systemId = await replica.sql('SELECT system_identifier FROM pg_control_system()');
    const run = await replica.restart();
    await replica.waitHealthy();
    assert.ok(existsSync(marker), 'PGDATA was replaced');
    assert.equal(await replica.sql('SELECT system_identifier FROM pg_control_system()'), systemId);
    assert.match(run.stderr, /assuming a valid replica/);
    assert.doesNotMatch(run.stderr, /cloning the primary/);
    await waitStreaming(primary, 'replica_one');
    await primary.sql("INSERT INTO notes VALUES (4, 'after the replica restart')");
    await waitRow(replica, 'SELECT body FROM notes WHERE id = 4', 'after the replica restart');
  });

  await t.test('a restarted primary re-applies the role (ALTER path) and the replica reconnects', async () => {
    const run = await primary.restart();
    await primary.waitHealthy();
    assert.match(run.stderr, /skipping initialisation/);
    assert.equal(managedBlockCount(primary.pgdata), 1);
    await waitStreaming(primary, 'replica_one');
    await primary.sql("INSERT INTO notes VALUES (5, 'after the primary restart')");
    await waitRow(replica, 'SELECT body FROM notes WHERE id = 5', 'after the primary restart');
    assertNoSecret(run.stdout + run.stderr, secrets, 'the restarted primary\'s output');
  });

  await t.test('a rotated password and a new PRIMARY_HOST reach the replica with a restart, no re-clone', async () => {
    const rotated = `rotated-${PASSWORD}`;
    // The primary converges the role's password on every start.
    await primary.restart({ REPLICATION_PASSWORD_FILE: lab.secret('primary-replication-rotated', rotated, 'root') });
    await primary.waitHealthy();
    const systemId = await replica.sql('SELECT system_identifier FROM pg_control_system()');
    // The same server under another name (this machine's /etc/hosts maps localhost to 127.0.0.1
    // only, where the test servers listen): sender_host proves primary_conninfo followed the env.
    const run = await replica.restart({ REPLICATION_PASSWORD_FILE: lab.secret('replica-rotated', rotated, 'postgres'), PRIMARY_HOST: 'localhost' });
    await replica.waitHealthy();
    assert.doesNotMatch(run.stderr, /cloning the primary/);
    assert.equal(await replica.sql('SELECT system_identifier FROM pg_control_system()'), systemId);
    await waitFor(async () => (await replica.sql('SELECT sender_host FROM pg_stat_wal_receiver')) === 'localhost', 30_000, 'the replica streams from localhost');
    const autoConf = readFileSync(join(replica.pgdata, 'postgresql.auto.conf'), 'utf8');
    assert.equal(autoConf.split('\n').filter((l) => l.startsWith('primary_conninfo')).length, 1);
    assert.equal(statSync(join(replica.pgdata, 'postgresql.auto.conf')).mode & 0o777, 0o600);
    await waitStreaming(primary, 'replica_one');
    await primary.sql("INSERT INTO notes VALUES (6, 'after the rotation')");
    await waitRow(replica, 'SELECT body FROM notes WHERE id = 6', 'after the rotation');
    assertNoSecret(run.stdout + run.stderr, [rotated], 'the restarted replica\'s output');
  });

  await t.test('restarted without HA_MODE, the replica drops standby.signal loudly and runs read-write', async () => {
    const run = await replica.restart({ HA_MODE: undefined });
    await replica.waitHealthy(60_000, { HA_MODE: '' });
    assert.ok(!existsSync(join(replica.pgdata, 'standby.signal')));
    assert.match(run.stderr, /\*{20,}/);
    assert.match(run.stderr, /STANDALONE, READ-WRITE/);
    // Promoted, not merely stripped of standby.signal: a new timeline with its history file.
    assert.match(run.stderr, /promoted: timeline 1 -> 2/);
    assert.equal(await replica.sql('SELECT timeline_id FROM pg_control_checkpoint()'), '2');
    assert.ok(existsSync(join(replica.pgdata, 'pg_wal', '00000002.history')));
    assert.equal(await replica.sql('SELECT pg_is_in_recovery()'), 'f');
    await replica.sql("INSERT INTO notes VALUES (100, 'written on the former replica')");
  });

  await t.test('started as a replica again, it refuses: the cluster has no standby.signal', async () => {
    const run = await replica.restart();
    await run.exited;
    assert.equal(run.exitCode, 1, run.output);
    assert.match(run.stderr, /without standby\.signal/);
    assert.match(run.stderr, /`pg-ha-init rejoin NODE`/);
    assert.match(run.stderr, /Nothing was changed/);
    assert.ok(existsSync(join(replica.pgdata, 'PG_VERSION')));
    assert.ok(existsSync(join(replica.pgdata, 'pg-ha-init-test-marker')));
  });
});

test('standalone (no HA_MODE): official-image semantics for users, database and initdb args', { timeout: 60_000 }, async (t) => {
  const lab = new Lab(t);
  const node = await lab.primary('standalone', PASSWORD, {
    superPassword: 'owner-secret',
    env: { POSTGRES_USER: 'app_owner', POSTGRES_DB: 'app.db', POSTGRES_INITDB_ARGS: '--data-checksums --encoding=UTF8' },
  });
  delete node.env.HA_MODE;
  delete node.env.REPLICATION_ROLE;
  delete node.env.REPLICATION_PASSWORD_FILE;
  node.env.HA_CONFIG_DIR = join(lab.root, 'no-such-config');
  const run = node.start();
  await node.waitHealthy();
  assert.match(run.stderr, /no configuration fragments in HA_CONFIG_DIR/);
  assert.ok(!existsSync(join(node.pgdata, 'pg-ha-init.conf')));
  const query = async (sql: string, db = 'postgres'): Promise<string> => (await execFileP(join(PG_BIN, 'psql'),
    ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { env: { PATH, PGHOST: '127.0.0.1', PGPORT: String(node.port), PGUSER: 'app_owner', PGDATABASE: db, PGPASSWORD: 'owner-secret' } })).stdout.trim();
  assert.equal(await query('SELECT current_database()', 'app.db'), 'app.db');
  assert.equal(await query('SHOW data_checksums'), 'on');
  assert.equal(await query("SELECT count(*) FROM pg_roles WHERE rolname = 'replicator'"), '0');
});

after(assertNoProcessLeftBehind);
