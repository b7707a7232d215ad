import assert from 'node:assert/strict';
import { test } from 'node:test';
import { multiHostConninfo } from '../../src/cluster/conninfo.js';

test('a multi-host connection string that finds the writable node', () => {
  assert.equal(
    multiHostConninfo([{ host: 'localhost', port: 5432 }, { host: '127.0.0.1', port: 5433 }]),
    "host='localhost,127.0.0.1' port='5432,5433' target_session_attrs='read-write'",
  );
  assert.equal(
    multiHostConninfo([{ host: 'db1', port: 5432 }], { dbname: "it's", user: 'a\\b', connectTimeout: 3, targetSessionAttrs: 'primary' }),
    "host='db1' port='5432' dbname='it\\'s' user='a\\\\b' target_session_attrs='primary' connect_timeout='3'",
  );
});

test('what libpq cannot express is refused', () => {
  assert.throws(() => multiHostConninfo([]), /at least one host/u);
  assert.throws(() => multiHostConninfo([{ host: 'a,b', port: 1 }]), /splits hosts on commas/u);
  assert.throws(() => multiHostConninfo([{ host: 'a', port: 0 }]), /not a TCP port/u);
  assert.throws(() => multiHostConninfo([{ host: 'a', port: 1 }], { dbname: 'x\0y' }), /NUL/u);
});
