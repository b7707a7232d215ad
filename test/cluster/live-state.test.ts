// Parsing of the one-query node state, and the classification of a node that did not answer.
// The real servers' answers are parsed in test/e2e/cluster-state.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNodeState, readNodeState, rewindPossible } from '../../src/cluster/live-state.js';
import { classifyFailure, psqlArgs, type NodeRunner } from '../../src/cluster/transport.js';

// Printed by psql -At for NODE_STATE_SQL on a PostgreSQL 15 primary with one slot.
const PRIMARY_JSON = '{"serverVersionNum" : 150018, "inRecovery" : false, "systemIdentifier" : "7713841565629467727", "checkpointTimeline" : 1, "minRecoveryEndTimeline" : 0, "insertTimeline" : 1, "currentLsn" : "0/1500780", "receiveLsn" : null, "replayLsn" : null, "replayAgeSeconds" : null, "replayPaused" : null, "receiver" : null, "dataChecksums" : false, "walLogHints" : false, "fullPageWrites" : true, "maxSlotWalKeepSizeBytes" : 67108864, "synchronousStandbyNames" : "", "replication" : [], "slots" : [{"name" : "s1", "type" : "physical", "active" : false, "walStatus" : "reserved", "restartLsn" : "0/1500708", "retainedBytes" : 120, "safeWalSize" : 78641280}]}\n';

test('the primary\'s answer parses, the system identifier stays exact text', () => {
  const s = parseNodeState(PRIMARY_JSON);
  assert.equal(s.systemIdentifier, '7713841565629467727');
  assert.equal(s.timeline, 1);
  assert.equal(s.currentLsn, '0/1500780');
  assert.deepEqual(s.slots, [{ name: 's1', type: 'physical', active: false, walStatus: 'reserved', restartLsn: '0/1500708', retainedBytes: 120, safeWalSize: 78641280 }]);
  assert.equal(rewindPossible(s), false);
  assert.equal(rewindPossible({ ...s, walLogHints: true }), true);
});

test('a standby takes its timeline from the WAL receiver, else from its control file', () => {
  const base = JSON.parse(PRIMARY_JSON);
  const standby = { ...base, inRecovery: true, insertTimeline: null, currentLsn: null, checkpointTimeline: 1, minRecoveryEndTimeline: 2 };
  assert.equal(parseNodeState(JSON.stringify(standby)).timeline, 2);
  const receiving = { ...standby, receiver: { status: 'streaming', receivedTimeline: 3, senderHost: 'primary', senderPort: 5432, slotName: 'replica1', lastMessageAgeSeconds: 0.1 } };
  assert.equal(parseNodeState(JSON.stringify(receiving)).timeline, 3);
});

test('anything else is refused with the field that is wrong', () => {
  assert.throws(() => parseNodeState('psql: error'), /did not print one JSON object/u);
  assert.throws(() => parseNodeState('[]'), /expected a JSON object/u);
  const bad = { ...JSON.parse(PRIMARY_JSON), currentLsn: 'zz' };
  assert.throws(() => parseNodeState(JSON.stringify(bad)), /not a WAL location/u);
  const noSlots = { ...JSON.parse(PRIMARY_JSON), slots: null };
  assert.throws(() => parseNodeState(JSON.stringify(noSlots)), /"slots" should be a list/u);
});

test('a node that does not answer is stopped or unreachable, by what psql or the engine said', () => {
  const said = (stderr: string): string => classifyFailure({ ok: false, stdout: '', stderr }).kind;
  // psql 15's own words for a stopped local server, a refused TCP port, a server shutting down.
  assert.equal(said('psql: error: connection to server on socket "/tmp/pg/.s.PGSQL.5432" failed: No such file or directory\n\tIs the server running locally?'), 'stopped');
  assert.equal(said('psql: error: connection to server at "127.0.0.1", port 5432 failed: Connection refused'), 'stopped');
  assert.equal(said('psql: error: connection to server ... failed: FATAL:  the database system is shutting down'), 'stopped');
  // Docker Compose v2 for a stopped service.
  assert.equal(said('service "replica1" is not running'), 'stopped');
  assert.equal(said('psql: error: connection to server ... failed: FATAL:  the database system is starting up'), 'unreachable');
  assert.equal(said('psql: error: connection to server at "10.0.0.9", port 5432 failed: timeout expired'), 'unreachable');
  assert.deepEqual(classifyFailure({ ok: false, stdout: '', stderr: '\n  first line\nsecond', unavailable: 'stopped' }), { kind: 'stopped', detail: 'first line' });
});

test('readNodeState turns a failed or throwing transport into a failure, not an exception', async () => {
  const failing: NodeRunner = { sql: async () => ({ ok: false, stdout: '', stderr: 'Connection refused' }) };
  assert.deepEqual(await readNodeState(failing, 'x'), { ok: false, failure: { kind: 'stopped', detail: 'Connection refused' } });
  const throwing: NodeRunner = { sql: async () => { throw new Error('spawn docker ENOENT'); } };
  assert.deepEqual(await readNodeState(throwing, 'x'), { ok: false, failure: { kind: 'unreachable', detail: 'spawn docker ENOENT' } });
  const garbled: NodeRunner = { sql: async () => ({ ok: true, stdout: 'hello', stderr: '' }) };
  const g = await readNodeState(garbled, 'x');
  assert.ok(!g.ok && g.failure.kind === 'unreachable' && /did not print one JSON object/u.test(g.failure.detail));
  const answering: NodeRunner = { sql: async () => ({ ok: true, stdout: PRIMARY_JSON, stderr: '' }) };
  const probe = await readNodeState(answering, 'x');
  assert.ok(probe.ok);
});

test('every runner passes psql the same flags: no psqlrc, unaligned tuples only, stop on error', () => {
  assert.deepEqual(psqlArgs('select 1', { user: 'app_admin' }), ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', 'app_admin', '-d', 'postgres', '-c', 'select 1']);
  assert.deepEqual(psqlArgs('select 1', { user: 'postgres', dbname: 'x', connection: ['-h', '/tmp/s', '-p', '5433'] }).slice(0, 5), ['-h', '/tmp/s', '-p', '5433', '-X']);
});
