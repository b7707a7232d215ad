import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSyncCandidate, parseSynchronousStandbyNames } from '../../src/cluster/sync-standbys.js';

test('synchronous_standby_names in each form PostgreSQL accepts', () => {
  assert.equal(parseSynchronousStandbyNames(''), null);
  assert.equal(parseSynchronousStandbyNames('  '), null);
  assert.deepEqual(parseSynchronousStandbyNames('ANY 1 (replica1, replica2)'), { method: 'any', count: 1, names: ['replica1', 'replica2'] });
  assert.deepEqual(parseSynchronousStandbyNames('any 2(replica1,replica2,"Odd, Name")'), { method: 'any', count: 2, names: ['replica1', 'replica2', 'odd, name'] });
  assert.deepEqual(parseSynchronousStandbyNames('FIRST 2 (a, b, c)'), { method: 'first', count: 2, names: ['a', 'b', 'c'] });
  assert.deepEqual(parseSynchronousStandbyNames('2 (a, b)'), { method: 'first', count: 2, names: ['a', 'b'] });
  assert.deepEqual(parseSynchronousStandbyNames('a, b'), { method: 'first', count: 1, names: ['a', 'b'] });
  assert.deepEqual(parseSynchronousStandbyNames('*'), { method: 'first', count: 1, names: ['*'] });
  assert.deepEqual(parseSynchronousStandbyNames('"a""b"'), { method: 'first', count: 1, names: ['a"b'] });
});

test('candidates match case-insensitively; * matches all', () => {
  const rule = parseSynchronousStandbyNames('ANY 1 (Replica1)');
  assert.ok(rule);
  assert.equal(isSyncCandidate(rule, 'replica1'), true);
  assert.equal(isSyncCandidate(rule, 'replica2'), false);
  const star = parseSynchronousStandbyNames('*');
  assert.ok(star);
  assert.equal(isSyncCandidate(star, 'anything'), true);
});

test('text PostgreSQL would refuse is refused', () => {
  assert.throws(() => parseSynchronousStandbyNames('a,,b'), /empty name/u);
  assert.throws(() => parseSynchronousStandbyNames('a b'), /unexpected/u);
});
