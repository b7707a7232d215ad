// The entrypoint takes the node's topology from the bundle's env/<service>.env (PGHA_NODE_ENV_FILE)
// at every start, over its own environment, which a container keeps frozen from its creation:
// the file wins, only the topology keys are taken, literally (nothing in it is run), a key the
// file leaves out is unset, and a named file that cannot be read refuses the start. Real
// PostgreSQL 15 binaries, loopback, servers as postgres.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { giveToPostgres } from '../../support/as-postgres.js';
import { Lab, PASSWORD, waitRow, waitStreaming } from '../../support/entrypoint-run.js';

function envFile(lab: Lab, name: string, lines: readonly string[]): string {
  const path = join(lab.root, `${name}.env`);
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  giveToPostgres(path);
  return path;
}

test('the env file wins over the frozen environment, literally and only for the topology keys', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('primary', PASSWORD);
  primary.start();
  await primary.waitHealthy();
  await primary.sql("CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes VALUES (1)");

  // The "container" was created when its primary lived on another port (and under another slot
  // name); the bundle's file says where the primary is now.
  const replica = await lab.replica('replica_a', primary, PASSWORD, { PRIMARY_PORT: '1', REPLICA_NAME: 'stale_name' });
  const marker = join(lab.root, 'was-run');
  replica.env.PGHA_NODE_ENV_FILE = envFile(lab, 'replica_a', [
    '# replica_a: written by pg-ha-init',
    'HA_MODE=native',
    'REPLICATION_ROLE=replica',
    'PRIMARY_HOST=127.0.0.1',
    `PRIMARY_PORT=${primary.port}`,
    'REPLICA_NAME=replica_a',
    // Not topology: ignored (PGDATA stays the environment's, nothing is run).
    `PGDATA=$(touch ${marker})`,
    'POSTGRES_PASSWORD=from-the-file',
  ]);
  const run = replica.start();
  await replica.waitHealthy(90_000);
  await waitStreaming(primary, 'replica_a');
  await waitRow(replica, 'SELECT count(*) FROM notes', '1');
  assert.match(run.stderr, /node topology from .*replica_a\.env: HA_MODE=native REPLICATION_ROLE=replica PRIMARY_HOST=127\.0\.0\.1/);
  assert.equal(existsSync(marker), false, 'a value of the env file was executed');
  assert.equal(await primary.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'stale_name'"), '0');
  await replica.stop();

  await t.test('a file that leaves out PRIMARY_HOST unsets it: a replica without a primary is invalid (exit 2)', async () => {
    replica.env.PGHA_NODE_ENV_FILE = envFile(lab, 'no-host', ['HA_MODE=native', 'REPLICATION_ROLE=replica', 'REPLICA_NAME=replica_a']);
    const bad = replica.start();
    await bad.exited;
    assert.equal(bad.exitCode, 2, bad.output);
    assert.match(bad.stderr, /PRIMARY_HOST/);
  });

  await t.test('a value that is not a host name is refused by validation, never run (exit 2)', async () => {
    replica.env.PGHA_NODE_ENV_FILE = envFile(lab, 'hostile', ['HA_MODE=native', 'REPLICATION_ROLE=replica', `PRIMARY_HOST=$(touch ${marker})`]);
    const bad = replica.start();
    await bad.exited;
    assert.equal(bad.exitCode, 2, bad.output);
    assert.equal(existsSync(marker), false);
  });

  await t.test('a named file that is missing refuses the start (exit 2), nothing changed', async () => {
    replica.env.PGHA_NODE_ENV_FILE = join(lab.root, 'gone.env');
    const bad = replica.start();
    await bad.exited;
    assert.equal(bad.exitCode, 2, bad.output);
    assert.match(bad.stderr, /PGHA_NODE_ENV_FILE: .*gone\.env cannot be read/);
    assert.match(bad.stderr, /nothing was changed/);
  });

  await t.test('the healthcheck judges the live role, not the environment', async () => {
    // The primary's environment says primary; told "replica", it is still a healthy writable primary.
    assert.equal(await primary.healthy({ REPLICATION_ROLE: 'replica' }), true);
    // A stopped replica is not healthy, whatever it is called.
    assert.equal(await replica.healthy({ REPLICATION_ROLE: 'primary' }), false);
  });
});
