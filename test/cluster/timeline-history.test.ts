import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  historyFileName, parseTimelineHistory, switchpointOf, timelineHistorySql, walFileName, walFilesBetween,
} from '../../src/cluster/timeline-history.js';

// The layout PostgreSQL writes (writeTimeLineHistory): parent TLI, switchpoint, reason, tab-separated.
const TL3 = '1\t0/3000148\tno recovery target specified\n\n2\t0/5000A28\tno recovery target specified\n';

test('history files parse into ancestor timelines with their switchpoints', () => {
  assert.deepEqual(parseTimelineHistory(TL3), [
    { timeline: 1, switchpoint: 0x3000148n, reason: 'no recovery target specified' },
    { timeline: 2, switchpoint: 0x5000A28n, reason: 'no recovery target specified' },
  ]);
  assert.deepEqual(parseTimelineHistory('# comment\n1\t0/3000000\n'), [{ timeline: 1, switchpoint: 0x3000000n, reason: '' }]);
  assert.deepEqual(parseTimelineHistory(''), []);
  assert.equal(switchpointOf(parseTimelineHistory(TL3), 2), 0x5000A28n);
  assert.equal(switchpointOf(parseTimelineHistory(TL3), 3), null);
});

test('corrupt history is refused with its line', () => {
  assert.throws(() => parseTimelineHistory('1 0/3000000 x\nhello\n'), /line 2/u);
  assert.throws(() => parseTimelineHistory('2\t0/5000000\n1\t0/3000000\n'), /timeline 1 after 2/u);
});

test('file names follow PostgreSQL: 8 upper-case hex digits', () => {
  assert.equal(historyFileName(2), '00000002.history');
  assert.equal(historyFileName(26), '0000001A.history');
  assert.throws(() => historyFileName(0), /not a timeline/u);
  assert.equal(timelineHistorySql(10), "select pg_read_file('pg_wal/0000000A.history')");
});

test('WAL segment names as pg_walfile_name spells them, and the range to save before a rewind', () => {
  assert.equal(walFileName(1, 0x1500708n), '000000010000000000000001');
  assert.equal(walFileName(2, 0x16B374D848n), '0000000200000016000000B3');
  assert.equal(walFileName(1, 0x1FF000000n, 64 * 1024 * 1024), '00000001000000010000003F');
  assert.deepEqual(walFilesBetween(1, 0x3000148n, 0x5000000n), ['000000010000000000000003', '000000010000000000000004', '000000010000000000000005']);
  assert.deepEqual(walFilesBetween(1, 0xFF000000n, 0x100000010n), ['0000000100000000000000FF', '000000010000000100000000']);
});
