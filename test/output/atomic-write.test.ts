import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeAtomically } from '../../src/output/atomic-write.js';
import { snapshotTree } from '../support/tree.js';
import { tempDir } from '../support/tmp.js';

test('writes every file with its exact mode, creating directories', (t) => {
  const dir = tempDir(t);
  writeAtomically([
    { target: join(dir, 'a/b/c.txt'), content: 'c', mode: 0o644 },
    { target: join(dir, 'secrets/pw'), content: 'pw', mode: 0o600 },
  ]);
  assert.equal(readFileSync(join(dir, 'a/b/c.txt'), 'utf8'), 'c');
  assert.equal(statSync(join(dir, 'secrets/pw')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
  assert.deepEqual(Object.keys(snapshotTree(dir)).filter((p) => p.includes('pg-ha-init-')), [], 'no temporary files left');
});

test('a failure while staging leaves the directory as it was', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'keep.txt'), 'old');
  writeFileSync(join(dir, 'blocker'), 'a file where a directory is needed');
  const before = snapshotTree(dir);
  assert.throws(() => writeAtomically([
    { target: join(dir, 'keep.txt'), content: 'new', mode: 0o644 },
    { target: join(dir, 'fresh/x.txt'), content: 'x', mode: 0o644 },
    { target: join(dir, 'blocker/y.txt'), content: 'y', mode: 0o644 },
  ]));
  assert.deepEqual(snapshotTree(dir), before);
});

test('a failure halfway through the renames restores replaced files and removes new ones', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'one.txt'), 'old one');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub/two.txt'), 'old two');
  const before = snapshotTree(dir);
  let renames = 0;
  const failingThird = { rename: (from: string, to: string) => { if (++renames === 3) throw new Error('disk on fire'); renameSync(from, to); } };
  assert.throws(() => writeAtomically([
    { target: join(dir, 'one.txt'), content: 'new one', mode: 0o644 },
    { target: join(dir, 'new/three.txt'), content: 'three', mode: 0o644 },
    { target: join(dir, 'sub/two.txt'), content: 'new two', mode: 0o644 },
  ], failingThird), /disk on fire/);
  assert.deepEqual(snapshotTree(dir), before);
});
