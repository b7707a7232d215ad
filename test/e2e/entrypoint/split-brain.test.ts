// A node declared primary asks its PEER_HOSTS at every start what they are, and refuses to start
// read-write when a peer of the same cluster is writable (on any timeline) or is a replica on a
// newer timeline than its own data. Peers that do not answer, or that belong to another cluster,
// do not block a start. A former primary declared replica is refused with `pg-ha-init rejoin`.
// Real PostgreSQL 15 clusters on loopback: an old primary (timeline 1) and its promoted replica
// (timeline 2).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { assertNoProcessLeftBehind, Lab, PASSWORD, type Node, type Run } from '../../support/entrypoint-run.js';

const timeline = 'SELECT timeline_id FROM pg_control_checkpoint()';
const peer = (node: Node): string => `127.0.0.1:${node.port}`;

/** What a refused start must not have touched: the names and mtimes of PGDATA's top level and its conf files. */
function snapshot(pgdata: string): string {
  return readdirSync(pgdata).sort().map((name) => `${name}@${statSync(join(pgdata, name)).mtimeMs}`).join('\n')
    + readFileSync(join(pgdata, 'postgresql.auto.conf'), 'utf8');
}

async function refused(run: Run): Promise<void> {
  await run.exited;
  assert.equal(run.exitCode, 1, run.output);
}

test('split-brain guard: an old primary never comes back writable beside the promoted one', { timeout: 240_000 }, async (t) => {
  const lab = new Lab(t);
  const oldPrimary = await lab.primary('old_primary', PASSWORD);
  const replica = await lab.replica('replica_one', oldPrimary, PASSWORD);
  oldPrimary.start();
  await oldPrimary.waitHealthy();
  await oldPrimary.sql("CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'before the failover')");
  replica.start();
  await replica.waitHealthy();

  await t.test('a replica declared primary while its primary still runs (same timeline) is refused, nothing changed', async () => {
    await replica.stop();
    const before = snapshot(replica.pgdata);
    const run = replica.start({ REPLICATION_ROLE: 'primary', PEER_HOSTS: peer(oldPrimary) });
    await refused(run);
    assert.match(run.stderr, /peer 127\.0\.0\.1:\d+ is already a writable primary of this cluster on timeline 1 \(this node's data: timeline 1\)/);
    assert.match(run.stderr, /pg-ha-init rejoin NODE/);
    assert.doesNotMatch(run.stderr, /PROMOTING/);
    assert.ok(existsSync(join(replica.pgdata, 'standby.signal')));
    assert.equal(snapshot(replica.pgdata), before);
    // It is still a good replica.
    replica.start();
    await replica.waitHealthy();
  });

  await t.test('with the old primary down, the replica declared primary is promoted (peer not answering)', async () => {
    await oldPrimary.stop();
    Object.assign(replica.env, { REPLICATION_ROLE: 'primary', PEER_HOSTS: peer(oldPrimary) });
    const run = await replica.restart();
    await replica.waitHealthy(60_000);
    assert.match(run.stderr, /peer 127\.0\.0\.1:\d+ could not be asked/);
    assert.match(run.stderr, /promoted: timeline 1 -> 2/);
    assert.equal(await replica.sql(timeline), '2');
    await replica.sql("INSERT INTO notes VALUES (2, 'on the new primary')");
  });

  // A replica of the new primary, on timeline 2: the witness when the new primary itself is down.
  const sibling = await lab.replica('replica_two', replica, PASSWORD);
  sibling.start();
  await sibling.waitHealthy();

  await t.test('the old primary restarted as primary with the new one in PEER_HOSTS is refused, nothing changed', async () => {
    const before = snapshot(oldPrimary.pgdata);
    const began = Date.now();
    const run = oldPrimary.start({ PEER_HOSTS: `${peer(replica)}` });
    await refused(run);
    t.diagnostic(`refused after ${Date.now() - began} ms`);
    assert.match(run.stderr, /REPLICATION_ROLE=primary, but peer 127\.0\.0\.1:\d+ is already a writable primary of this cluster on timeline 2 \(this node's data: timeline 1\)/);
    assert.match(run.stderr, /split brain/);
    assert.match(run.stderr, /`pg-ha-init rejoin NODE`/);
    assert.equal(snapshot(oldPrimary.pgdata), before);
    assert.ok(!existsSync(join(oldPrimary.pgdata, 'postmaster.pid')));
    assert.ok(!run.stderr.includes(PASSWORD), 'the password appears in the output');
  });

  await t.test('with the new primary down, a replica on the newer timeline still refuses the old primary, nothing changed', async () => {
    await replica.stop();
    const before = snapshot(oldPrimary.pgdata);
    const run = oldPrimary.start({ PEER_HOSTS: `${peer(replica)},${peer(sibling)}` });
    await refused(run);
    assert.match(run.stderr, /peer 127\.0\.0\.1:\d+ could not be asked/);
    assert.match(run.stderr, /peer 127\.0\.0\.1:\d+ is a replica on timeline 2, newer than this node's data \(timeline 1\)[^\n]*split brain[^\n]*`pg-ha-init rejoin NODE`/);
    assert.equal(snapshot(oldPrimary.pgdata), before);
    assert.ok(!existsSync(join(oldPrimary.pgdata, 'postmaster.pid')));
    await sibling.stop();
    replica.start();
    await replica.waitHealthy(60_000);
  });

  await t.test('the old primary declared replica is refused, naming pg-ha-init rejoin', async () => {
    const before = snapshot(oldPrimary.pgdata);
    const run = oldPrimary.start({ REPLICATION_ROLE: 'replica', PRIMARY_HOST: '127.0.0.1', PRIMARY_PORT: String(replica.port), REPLICA_NAME: 'old_primary' });
    await refused(run);
    assert.match(run.stderr, /holds a cluster without standby\.signal/);
    assert.match(run.stderr, /Nothing was changed/);
    assert.match(run.stderr, /`pg-ha-init rejoin NODE`/);
    assert.equal(snapshot(oldPrimary.pgdata), before);
  });

  await t.test('with the new primary down too, the old primary starts (a cold start is never blocked)', async () => {
    await replica.stop();
    // A third, unrelated cluster that answers with the same credentials: ignored, with a warning.
    const stranger = await lab.primary('stranger', PASSWORD);
    stranger.start();
    await stranger.waitHealthy();
    const noPeers = Date.now();
    await oldPrimary.restart();
    await oldPrimary.waitHealthy(60_000);
    const baseline = Date.now() - noPeers;
    await oldPrimary.stop();
    const began = Date.now();
    const run = oldPrimary.start({ PEER_HOSTS: `${peer(replica)},${peer(stranger)}` });
    await oldPrimary.waitHealthy(60_000);
    t.diagnostic(`start to healthy: ${Date.now() - began} ms with a dead peer and a foreign one, ${baseline} ms without PEER_HOSTS`);
    assert.match(run.stderr, new RegExp(`peer ${peer(replica).replaceAll('.', '\\.')} could not be asked`));
    assert.match(run.stderr, new RegExp(`peer ${peer(stranger).replaceAll('.', '\\.')} belongs to another cluster .*; ignored`));
    assert.equal(await oldPrimary.sql('SELECT pg_is_in_recovery()'), 'f');
    assert.equal(await oldPrimary.sql(timeline), '1');

    // A peer that accepts the connection and never answers (a hung host): bounded by the timeout.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => { sockets.push(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => { sockets.forEach((s) => s.destroy()); silent.close(() => resolve()); }));
    const silentPeer = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    await oldPrimary.stop();
    const hung = Date.now();
    const hungRun = oldPrimary.start({ PEER_HOSTS: silentPeer });
    await oldPrimary.waitHealthy(60_000);
    const withHungPeer = Date.now() - hung;
    t.diagnostic(`start to healthy with a peer that never answers: ${withHungPeer} ms (${baseline} ms without PEER_HOSTS)`);
    assert.match(hungRun.stderr, /peer 127\.0\.0\.1:\d+ could not be asked \(.*timeout/);
    assert.ok(withHungPeer < baseline + 10_000, 'a hung peer held the start longer than its timeout');
  });

  await t.test('the new primary started while the old one is writable again (its env put back while the new one was down) is refused too', async () => {
    assert.equal(await oldPrimary.sql('SELECT pg_is_in_recovery()'), 'f');
    const before = snapshot(replica.pgdata);
    const run = replica.start({ PEER_HOSTS: peer(oldPrimary) });
    await refused(run);
    assert.match(run.stderr, /peer 127\.0\.0\.1:\d+ is ALSO a writable primary of this cluster, on an older timeline \(1; this node's data: timeline 2\)[^\n]*split brain[^\n]*Stop 127\.0\.0\.1:\d+, start this node, then bring/);
    assert.equal(snapshot(replica.pgdata), before);
    assert.ok(!existsSync(join(replica.pgdata, 'postmaster.pid')));
  });
});

after(assertNoProcessLeftBehind);
