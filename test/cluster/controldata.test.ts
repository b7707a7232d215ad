import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controlAllowsRewind, isCleanShutdown, parseControlData } from '../../src/cluster/controldata.js';
import { PRIMARY_SHUT_DOWN, variant } from './fixtures.js';

test('a cleanly stopped primary: state, checkpoint, timeline, identifier, rewind prerequisites', () => {
  const c = parseControlData(PRIMARY_SHUT_DOWN);
  assert.deepEqual(c, {
    systemIdentifier: '7713842336390555012', state: 'shut down', latestCheckpoint: 0x1500708n, latestCheckpointRedo: 0x1500708n,
    checkpointTimeline: 1, minRecoveryEnd: 0n, minRecoveryEndTimeline: 0, walLogHints: false, dataChecksumVersion: 0,
    fullPageWrites: true, walSegmentBytes: 16777216,
  });
  assert.equal(isCleanShutdown(c), true);
  assert.equal(controlAllowsRewind(c), false, 'neither checksums nor wal_log_hints');
  assert.equal(controlAllowsRewind(parseControlData(variant(PRIMARY_SHUT_DOWN, { 'wal_log_hints setting': 'on' }))), true);
  assert.equal(controlAllowsRewind(parseControlData(variant(PRIMARY_SHUT_DOWN, { 'Data page checksum version': '1' }))), true);
  assert.equal(controlAllowsRewind(parseControlData(variant(PRIMARY_SHUT_DOWN, {
    'Data page checksum version': '1', "Latest checkpoint's full_page_writes": 'off',
  }))), false);
});

test('a stopped standby and a crashed primary', () => {
  const standby = parseControlData(variant(PRIMARY_SHUT_DOWN, {
    'Database cluster state': 'shut down in recovery', 'Minimum recovery ending location': '0/30001C0', "Min recovery ending loc's timeline": '2',
  }));
  assert.equal(standby.state, 'shut down in recovery');
  assert.equal(standby.minRecoveryEnd, 0x30001C0n);
  assert.equal(standby.minRecoveryEndTimeline, 2);
  assert.equal(isCleanShutdown(standby), true);
  const crashed = parseControlData(variant(PRIMARY_SHUT_DOWN, { 'Database cluster state': 'in production' }));
  assert.equal(isCleanShutdown(crashed), false);
});

test('translated or truncated output is refused with the missing label', () => {
  assert.throws(() => parseControlData(PRIMARY_SHUT_DOWN.replace('Latest checkpoint location', 'Letzter Checkpoint-Ort')), /"Latest checkpoint location".*LC_ALL=C/u);
  assert.throws(() => parseControlData(variant(PRIMARY_SHUT_DOWN, { 'Database cluster state': 'on fire' })), /unknown cluster state "on fire"/u);
  assert.throws(() => parseControlData(variant(PRIMARY_SHUT_DOWN, { 'Latest checkpoint location': '0/XYZ' })), /not a WAL location/u);
  assert.throws(() => parseControlData(variant(PRIMARY_SHUT_DOWN, { 'wal_log_hints setting': 'maybe' })), /neither on nor off/u);
  assert.throws(() => parseControlData(''), /no "Database cluster state" line/u);
});
