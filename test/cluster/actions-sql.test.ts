// The statements' text and their guards; test/e2e/cluster-rejoin.test.ts runs them on PostgreSQL 15.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropStaleSlotSql, ensureSlotSql, isSlotName, promoteSql } from '../../src/cluster/actions-sql.js';

test('slot statements take only valid slot names, quoted as literals', () => {
  assert.equal(isSlotName('replica_1'), true);
  for (const bad of ['', 'Replica1', "x'; drop table t; --", 'a-b', 'a'.repeat(64)]) {
    assert.equal(isSlotName(bad), false, bad);
    assert.throws(() => ensureSlotSql(bad), /not a valid replication slot name/u, bad);
    assert.throws(() => dropStaleSlotSql(bad), /not a valid replication slot name/u, bad);
  }
  assert.match(ensureSlotSql('replica1'), /pg_create_physical_replication_slot\('replica1', true\)/u);
  assert.match(dropStaleSlotSql('replica1'), /slot_name = 'replica1' and not active/u);
});

test('promotion waits, with a bounded timeout', () => {
  assert.equal(promoteSql(), 'select pg_promote(true, 60)');
  assert.equal(promoteSql(5), 'select pg_promote(true, 5)');
  assert.throws(() => promoteSql(0), /positive integer/u);
});
