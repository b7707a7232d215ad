// Faults an operator meets when a replica clones its primary, on real PostgreSQL binaries: a
// replica that starts before its primary, an interrupted clone, a slot still held, a wrong
// password, a PGDATA that is not a cluster, a PGDATA that is a mount point.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { giveToPostgres, PG_BIN } from '../../support/as-postgres.js';
import {
  ArgvWatcher, assertNoProcessLeftBehind, assertNoSecret, comm, execFileP, groupMembers, Lab, PASSWORD, PATH, Run, settledWithin, signal, waitFor, waitStreaming,
} from '../../support/entrypoint-run.js';

test('a replica started before its primary waits, then clones', { timeout: 120_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('late_primary', PASSWORD);
  const replica = await lab.replica('early_replica', primary, PASSWORD, { PRIMARY_WAIT_TIMEOUT: '60' });
  const started = Date.now();
  const run = replica.start();
  await delay(3_000);
  assert.ok(run.running, run.output);
  assert.ok(!existsSync(join(replica.pgdata, 'PG_VERSION')));
  assert.match(run.stderr, /primary not ready for cloning yet; retrying/);
  primary.start();
  await replica.waitHealthy(60_000);
  t.diagnostic(`replica healthy ${Date.now() - started} ms after it started (primary started at 3000 ms)`);
  await waitStreaming(primary, 'early_replica');
});

test('an interrupted clone leaves no valid PGDATA, and a restart re-clones', { timeout: 240_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('big_primary', PASSWORD);
  primary.start();
  await primary.waitHealthy();
  // ~230 MB of rows stored uncompressed, so the base backup lasts long enough to be interrupted.
  await primary.sql("CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 32) AS filler FROM generate_series(1, 200000) g");
  const replica = await lab.replica('interrupted', primary, PASSWORD);
  const staging = join(replica.pgdata, '..', '.data.clone');
  const watcher = new ArgvWatcher([PASSWORD], 10);

  const first = replica.start();
  // Kill the whole entrypoint (bash, pg_basebackup and its WAL streamer) once data is being copied.
  await waitFor(() => {
    if (!first.running) return true;
    const copying = groupMembers(first.pid).some((pid) => comm(Number(pid)) === 'pg_basebackup') && existsSync(join(staging, 'base'));
    if (copying) signal(-first.pid, 'SIGKILL');
    return copying;
  }, 60_000, 'pg_basebackup copying into the staging directory', 5);
  await first.kill();
  assert.doesNotMatch(first.stderr, /clone complete/, `the clone finished before it could be interrupted\n${first.output}`);
  assert.ok(existsSync(staging), 'the interrupted clone should have left its staging directory');
  assert.ok(!existsSync(join(replica.pgdata, 'PG_VERSION')), 'an interrupted clone left a PGDATA that looks valid');
  assert.equal(await primary.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'interrupted'"), '1');

  const second = replica.start();
  await replica.waitHealthy(120_000);
  t.diagnostic(`after the interrupted clone: ${second.stderr.split('\n').filter((l) => /^(pg-ha-init|pg_basebackup|pg_receivewal)/.test(l)).join(' | ')}`);
  assert.match(second.stderr, /removing .*\.data\.clone, left over from an interrupted attempt/);
  assert.ok(!existsSync(staging));
  await waitStreaming(primary, 'interrupted');
  assert.equal(await replica.sql('SELECT count(*) FROM big'), '200000');
  assert.ok(watcher.seen.has('pg_basebackup'), 'the argv watcher never saw pg_basebackup running');
  assert.deepEqual(watcher.stop(), []);
  assertNoSecret(first.stdout + first.stderr + second.stdout + second.stderr, [PASSWORD], 'the replica\'s output');
});

test('a slot still held by an earlier connection is reused once it is free', { timeout: 120_000 }, async (t) => {
  // After an interrupted clone the primary may keep the slot active until its walsender notices.
  // Stand-in for that walsender: pg_receivewal streaming through the replica's slot.
  const lab = new Lab(t);
  const primary = await lab.primary('slot_primary', PASSWORD);
  primary.start();
  await primary.waitHealthy();
  const clientEnv = { PATH, PGHOST: '127.0.0.1', PGPORT: String(primary.port), PGUSER: 'replicator', PGPASSWORD: PASSWORD };
  await execFileP(join(PG_BIN, 'pg_receivewal'), ['--create-slot', '--slot=held_slot'], { env: clientEnv });
  const walDir = join(lab.root, 'held-wal');
  mkdirSync(walDir);
  const holder = new Run('holder', join(PG_BIN, 'pg_receivewal'), ['-D', walDir, '--slot=held_slot', '--no-loop'], clientEnv);
  t.after(() => holder.kill());
  await waitFor(async () => (await primary.sql("SELECT active FROM pg_replication_slots WHERE slot_name = 'held_slot'")) === 't',
    10_000, 'the holder to take the slot');

  const replica = await lab.replica('held_slot', primary, PASSWORD);
  const run = replica.start();
  await waitFor(() => /retrying/.test(run.stderr) || !run.running, 30_000, 'the replica to retry');
  assert.match(run.stderr, /replication slot "held_slot" is active/, run.output);
  assert.ok(!existsSync(join(replica.pgdata, '..', '.data.clone')), 'a failed attempt left its staging directory');
  await holder.kill();
  await replica.waitHealthy(60_000);
  await waitStreaming(primary, 'held_slot');
  assert.equal(await primary.sql('SELECT count(*) FROM pg_replication_slots'), '1');
});

test('a replica with the wrong password gives up after PRIMARY_WAIT_TIMEOUT, clearly', { timeout: 60_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('auth_primary', PASSWORD);
  primary.start();
  await primary.waitHealthy();
  const wrong = 'not-the-password-7c1f';
  const replica = await lab.replica('wrong_password', primary, wrong, { PRIMARY_WAIT_TIMEOUT: '4' });
  const run = replica.start();
  await settledWithin(run.exited, 30_000);
  assert.equal(run.exitCode, 1, run.output);
  assert.match(run.stderr, /password authentication failed for user "replicator"/);
  assert.match(run.stderr, /could not clone the primary at 127\.0\.0\.1:\d+ within PRIMARY_WAIT_TIMEOUT=4s/);
  assert.ok(!existsSync(replica.pgdata) || readdirSync(replica.pgdata).length === 0);
  assert.ok(!existsSync(join(replica.pgdata, '..', '.data.clone')));
  assertNoSecret(run.stdout + run.stderr, [wrong, PASSWORD], 'the replica\'s output');
});

test('a non-empty PGDATA that is not a cluster is refused and left untouched', { timeout: 60_000 }, async (t) => {
  const lab = new Lab(t);
  const primary = await lab.primary('junk_primary', PASSWORD);
  const replica = await lab.replica('junk_replica', primary, PASSWORD);
  for (const node of [replica, primary]) {
    mkdirSync(node.pgdata, { recursive: true });
    writeFileSync(join(node.pgdata, 'notes.txt'), 'keep me');
    giveToPostgres(node.pgdata);
    const run = node.start();
    await run.exited;
    assert.equal(run.exitCode, 1, run.output);
    assert.ok(run.stderr.includes(`PGDATA (${node.pgdata}) is not empty but holds no PostgreSQL cluster`), run.output);
    assert.deepEqual(readdirSync(node.pgdata), ['notes.txt']);
    assert.equal(readFileSync(join(node.pgdata, 'notes.txt'), 'utf8'), 'keep me');
  }
});

test('a PGDATA that is itself a mount point is refused: a finished clone could not be renamed onto it', { timeout: 60_000 }, async (t) => {
  // A real mount (tmpfs) at PGDATA, as when a volume is mounted at PGDATA instead of above it.
  assert.equal(process.getuid?.(), 0, 'this test mounts a tmpfs and must run as root (CI does)');
  const lab = new Lab(t);
  const primary = await lab.primary('mounted_primary', PASSWORD);
  const replica = await lab.replica('mounted_replica', primary, PASSWORD, { PRIMARY_WAIT_TIMEOUT: '5' });
  for (const node of [replica, primary]) {
    mkdirSync(node.pgdata, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', node.pgdata]);
    // Unmounted here, not in an after hook: the lab's teardown (registered first) removes the dir.
    try {
      giveToPostgres(node.pgdata);
      const run = node.start();
      await run.exited;
      assert.equal(run.exitCode, 1, run.output);
      assert.ok(run.stderr.includes(`PGDATA (${node.pgdata}) is a mount point; set PGDATA to a subdirectory of the volume`), run.output);
      assert.deepEqual(readdirSync(node.pgdata), [], 'nothing was written into the mount');
    } finally {
      execFileSync('umount', [node.pgdata]);
    }
  }
});

after(assertNoProcessLeftBehind);
