import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesNumber, compareLsn, formatLsn, isLsn, lsnDiff, parseLsn } from '../../src/cluster/lsn.js';

test('LSNs parse as 64-bit positions and print back in PostgreSQL spelling', () => {
  assert.equal(parseLsn('0/0'), 0n);
  assert.equal(parseLsn('16/B374D848'), 0x16B374D848n);
  assert.equal(parseLsn('ffffffff/ffffffff'), 0xFFFFFFFFFFFFFFFFn);
  assert.equal(formatLsn(0x16B374D848n), '16/B374D848');
  assert.equal(formatLsn(parseLsn('0/3000148')), '0/3000148');
  // Beyond 2^53: a number would round, a bigint does not.
  assert.equal(lsnDiff('FFFFFFFF/FFFFFFFF', 'FFFFFFFF/FFFFFFFE'), 1n);
});

test('compare and diff follow pg_wal_lsn_diff(to, from)', () => {
  assert.equal(compareLsn('0/3000148', '0/3000149'), -1);
  assert.equal(compareLsn('1/0', '0/FFFFFFFF'), 1);
  assert.equal(compareLsn(5n, '0/5'), 0);
  assert.equal(lsnDiff('1/0', '0/FFFFFFFF'), 1n);
  assert.equal(lsnDiff('0/1000', '0/2000'), -4096n);
  assert.equal(bytesNumber(4096n), 4096);
  assert.throws(() => bytesNumber(1n << 60n), /too large/u);
});

test('anything that is not an LSN is refused with the text it got', () => {
  for (const bad of ['', '0', '0/', '/0', '0/G', '123456789/0', ' 0 / 1', '0/1/2']) {
    assert.equal(isLsn(bad), false, bad);
    assert.throws(() => parseLsn(bad), /not a WAL location/u, bad);
  }
  assert.throws(() => formatLsn(-1n), /out of range/u);
});
