// `status`'s library on real PostgreSQL 15: a primary and two replicas cloned with
// pg_basebackup -R -C -S on loopback, read with the one-query node state through local psql.
// The engine reaches nodes through `docker compose exec -T <service> psql` instead; only the
// transport differs (see test/cluster/support/local-servers.ts). The tests run in order and walk
// the cluster through the states of issue 10: healthy, lagging, synchronous, a replica stopped,
// a slot lost, and a promoted replica (two writable nodes).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { promoteSql } from '../../src/cluster/actions-sql.js';
import { multiHostConninfo } from '../../src/cluster/conninfo.js';
import { clusterJson, formatClusterTable } from '../../src/cluster/format.js';
import { parseControlData } from '../../src/cluster/controldata.js';
import { readCluster, type ClusterView, type ExpectedNode } from '../../src/cluster/view.js';
import { asPostgres, PG_BIN } from '../support/as-postgres.js';
import { LocalServers, waitFor, type LocalNode } from '../cluster/support/local-servers.js';

const NODES: ExpectedNode[] = [
  { name: 'primary', declaredRole: 'primary' },
  { name: 'replica1', declaredRole: 'replica' },
  { name: 'replica2', declaredRole: 'replica' },
];

const servers = LocalServers.create();
let primary: LocalNode;
let replica1: LocalNode;
let replica2: LocalNode;

const read = (): Promise<ClusterView> => readCluster(servers.runner, NODES);

const caughtUp = (): Promise<ClusterView> => servers.caughtUp('primary', NODES);

before(async () => {
  primary = await servers.initPrimary('primary');
  primary.psql('create table t (id int primary key); insert into t select generate_series(1, 1000)');
  replica1 = await servers.cloneReplica('replica1', primary);
  replica2 = await servers.cloneReplica('replica2', primary);
});

test('healthy: one primary, two streaming replicas on timeline 1, slots reserved, exit 0', async () => {
  const v = await caughtUp();
  assert.equal(v.primary, 'primary');
  assert.equal(v.exitCode, 0);
  assert.deepEqual(v.warnings, []);
  assert.deepEqual(v.nodes.map((n) => [n.name, n.role, n.state, n.timeline, n.lagBytes, n.syncState, n.slot]), [
    ['primary', 'primary', 'running', 1, null, null, null],
    ['replica1', 'replica', 'streaming', 1, 0, 'async', 'replica1'],
    ['replica2', 'replica', 'streaming', 1, 0, 'async', 'replica2'],
  ]);
  assert.equal(v.nodes[0]?.lsn, primary.psql('select pg_current_wal_lsn()'));
  assert.equal(v.nodes[1]?.upstream, `127.0.0.1:${primary.port}`);
  assert.deepEqual(v.slots.map((s) => [s.node, s.name, s.active, s.walStatus]), [['primary', 'replica1', true, 'reserved'], ['primary', 'replica2', true, 'reserved']]);
  // The system identifier the query reports is the one pg_controldata reads from the control file.
  const control = parseControlData((await servers.runner.controldata?.('primary'))?.stdout ?? '');
  assert.equal(v.systemIdentifier, control.systemIdentifier);
  assert.equal(v.states.get('primary')?.walLogHints, true);
  assert.equal(v.states.get('primary')?.serverVersionNum, Number(primary.psql('show server_version_num')));
  const table = formatClusterTable(v);
  assert.match(table, new RegExp(`^\\+ Cluster: ${v.systemIdentifier}, timeline 1 `, 'u'));
  assert.match(table, /\| replica2 \| replica \| streaming \|  1 \| \d+\/[0-9A-F]+ \|          0 \|    0\.0 \| async \| replica2 \|/u);
  assert.match(table, /No warnings\.$/u);
  const json = JSON.parse(JSON.stringify(clusterJson(v)));
  assert.equal(json.primary, 'primary');
  assert.deepEqual(json.warnings, []);
  assert.deepEqual(Object.keys(json.nodes[1]).slice(0, 9), ['name', 'role', 'state', 'timeline', 'lsn', 'lagBytes', 'lagSeconds', 'syncState', 'slot']);
});

test('per-host views: a primary\'s bundle sees its replicas through pg_stat_replication, a replica\'s its primary', async () => {
  const primaryOnly = await readCluster(servers.runner, [{ name: 'primary', declaredRole: 'primary' }]);
  assert.equal(primaryOnly.exitCode, 0);
  assert.deepEqual(primaryOnly.nodes.map((n) => [n.name, n.role, n.state, n.seenOnly]), [
    ['primary', 'primary', 'running', false], ['replica1', 'replica', 'streaming', true], ['replica2', 'replica', 'streaming', true],
  ]);
  const replicaOnly = await readCluster(servers.runner, [{ name: 'replica2', declaredRole: 'replica' }], { remotePrimary: true });
  assert.equal(replicaOnly.primary, `127.0.0.1:${primary.port}`);
  assert.equal(replicaOnly.exitCode, 0);
  assert.deepEqual(replicaOnly.nodes.map((n) => [n.role, n.state, n.timeline]), [['primary', 'running', 1], ['replica', 'streaming', 1]]);
});

test('the multi-host connection string reaches the writable node whichever host comes first', () => {
  const conninfo = multiHostConninfo([{ host: '127.0.0.1', port: replica1.port }, { host: '127.0.0.1', port: replica2.port }, { host: '127.0.0.1', port: primary.port }], { user: 'postgres', dbname: 'postgres', connectTimeout: 5 });
  const [cmd, argv] = asPostgres(`${PG_BIN}/psql`, ['-X', '-A', '-t', '-d', conninfo, '-c', 'select inet_server_port(), pg_is_in_recovery()']);
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${primary.port}|f`);
});

test('a replica whose replay is paused: streaming, but behind in bytes', async () => {
  replica1.psql('select pg_wal_replay_pause()');
  try {
    primary.psql('insert into t select generate_series(1001, 21000)');
    const v = await waitFor('replica1 to receive WAL it does not replay', async () => {
      const view = await read();
      const r1 = view.nodes[1];
      return r1 && r1.lagBytes !== null && r1.lagBytes > 100_000 && r1.receivedLsn !== r1.lsn ? view : undefined;
    });
    const r1 = v.nodes[1];
    assert.equal(r1?.state, 'streaming');
    assert.ok((r1?.lagBytes ?? 0) > 100_000, `lag ${r1?.lagBytes}`);
    assert.equal(v.states.get('replica1')?.replayPaused, true);
  } finally {
    replica1.psql('select pg_wal_replay_resume()');
  }
  await caughtUp();
});

test('synchronous ANY 2: quorum while both stream; replica2 stopped → stopped, writes blocked, exit 1', async () => {
  primary.psql("alter system set synchronous_standby_names = 'ANY 2 (replica1, replica2)'");
  primary.psql('select pg_reload_conf()');
  const sync = await waitFor('quorum sync state on both replicas', async () => {
    const view = await read();
    return view.nodes.slice(1).every((n) => n.syncState === 'quorum') ? view : undefined;
  });
  assert.equal(sync.exitCode, 0);

  replica2.stop('fast');
  const v = await read();
  assert.deepEqual([v.nodes[2]?.role, v.nodes[2]?.state, v.nodes[2]?.slot], ['unknown', 'stopped', 'replica2']);
  assert.match(v.nodes[2]?.detail ?? '', /No such file or directory/u);
  assert.deepEqual(v.warnings.map((w) => w.code), ['node-down', 'sync-short']);
  assert.match(v.warnings[1]?.message ?? '', /needs 2 synchronous replicas streaming, 1 is: commits wait/u);
  assert.equal(v.exitCode, 1);
  assert.match(formatClusterTable(v), /\| replica2 \| unknown \| stopped +\|/u);
  assert.match(formatClusterTable(v), /\nWARNING: replica2 is stopped: /u);
  // The slot of the stopped replica is inactive and keeps WAL.
  assert.deepEqual(v.slots.find((s) => s.name === 'replica2')?.active, false);
  primary.psql('alter system reset synchronous_standby_names');
  primary.psql('select pg_reload_conf()');
});

test('a slot past half of max_slot_wal_keep_size warns; once invalidated it is lost', async () => {
  primary.psql("alter system set max_slot_wal_keep_size = '1MB'");
  primary.psql('select pg_reload_conf()');
  primary.psql('insert into t select generate_series(21001, 22000); select pg_switch_wal()');
  primary.psql('insert into t select generate_series(22001, 23000)');
  const retains = await read();
  assert.ok(retains.warnings.some((w) => w.code === 'slot-retains' && w.message.startsWith('slot replica2 on primary retains')), JSON.stringify(retains.warnings));
  for (let i = 0; i < 3; i++) primary.psql(`insert into t values (${23001 + i}); select pg_switch_wal()`);
  primary.psql('checkpoint');
  const lost = await read();
  assert.equal(lost.slots.find((s) => s.name === 'replica2')?.walStatus, 'lost');
  assert.ok(lost.warnings.some((w) => w.code === 'slot-lost' && /^slot replica2 on primary is lost/u.test(w.message)), JSON.stringify(lost.warnings));
  assert.equal(lost.exitCode, 1);
  primary.psql('alter system reset max_slot_wal_keep_size');
  primary.psql('select pg_reload_conf()');
  // The lost replica can only come back as a fresh clone.
  primary.psql("select pg_drop_replication_slot('replica2')");
  replica2 = await servers.cloneReplica('replica2', primary);
  await caughtUp();
});

test('a replica promoted with pg_promote(): two writable nodes, exit 3, the other replica on the older timeline', async () => {
  assert.equal(replica1.psql(promoteSql()), 't');
  const v = await read();
  assert.deepEqual(v.writable, ['primary', 'replica1']);
  assert.equal(v.primary, null);
  assert.equal(v.exitCode, 3);
  assert.deepEqual(v.nodes.map((n) => [n.name, n.role, n.timeline]), [['primary', 'primary', 1], ['replica1', 'primary', 2], ['replica2', 'replica', 1]]);
  assert.deepEqual(v.warnings.map((w) => w.code), ['role-mismatch', 'several-primaries', 'older-timeline']);
  assert.match(v.warnings[1]?.message ?? '', /2 writable nodes: primary \(timeline 1\), replica1 \(timeline 2\); split brain/u);
  assert.match(v.warnings[2]?.message ?? '', /replica2 is a replica on timeline 1, older than the primary's 2/u);
  assert.equal(clusterJson(v).primary, null);
  // The new timeline's history file, read through the same transport.
  const history = await servers.runner.sql('replica1', "select pg_read_file('pg_wal/00000002.history')");
  assert.match(history.stdout, /^1\t\d+\/[0-9A-F]+\tno recovery target specified/u);
});
