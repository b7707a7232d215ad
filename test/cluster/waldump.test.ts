import assert from 'node:assert/strict';
import { test } from 'node:test';
import { walEndFromWaldump } from '../../src/cluster/waldump.js';

test('the end of WAL is the last position in pg_waldump\'s closing error (15 and 16+ wording)', () => {
  // PostgreSQL 15, recorded on a freshly stopped cluster: the shutdown checkpoint, then the end.
  const pg15 = 'rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/01500708, prev 0/015006C0, desc: CHECKPOINT_SHUTDOWN redo 0/1500708; tli 1; shutdown\n'
    + 'pg_waldump: error: error in WAL record at 0/1500708: invalid record length at 0/1500780: wanted 24, got 0\n';
  assert.equal(walEndFromWaldump(pg15), 0x1500780n);
  assert.equal(walEndFromWaldump('pg_waldump: error: error in WAL record at 0/1500708: invalid record length at 0/1500780: expected at least 24, got 0'), 0x1500780n);
  assert.equal(walEndFromWaldump('pg_waldump: error: could not find file "000000010000000000000002": No such file or directory'), null);
  assert.equal(walEndFromWaldump(''), null);
});

test('after a crash under writes, the end is the unwritten page pg_waldump names (the first recorded on PG 18 after kill -9 under inserts, the second in xlogreader.c wording)', () => {
  assert.equal(walEndFromWaldump('pg_waldump: error: error in WAL record at 0/EE7B9F0: invalid magic number 0000 in WAL segment 00000001000000000000000E, LSN 0/EE7C000, offset 15187968'), 0xEE7C000n);
  assert.equal(walEndFromWaldump('pg_waldump: error: error in WAL record at 0/3DAD5C08: unexpected pageaddr 0/1DAD6000 in WAL segment 00000001000000000000003D, LSN 0/3DAD6000, offset 11362304'), 0x3DAD6000n);
});
