// Our unified diff must be a real one: GNU patch applies it to the old text and gets the new.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { unifiedDiff } from '../../../src/output/unified-diff.js';
import { tempDir } from '../../support/tmp.js';

function applyWithPatch(dir: string, before: string, diff: string): string {
  const file = join(dir, 'f.txt');
  writeFileSync(file, before);
  const result = spawnSync('patch', ['--quiet', '--force', file], { input: diff, encoding: 'utf8' });
  assert.equal(result.status, 0, `patch failed: ${result.stdout}${result.stderr}\n${diff}`);
  return readFileSync(file, 'utf8');
}

test('patch turns the old text into the new one, for random edits', (t) => {
  const dir = tempDir(t);
  const text = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', '', 'listen = on'), { maxLength: 30 }).map((ls) => ls.map((l) => `${l}\n`).join(''));
  fc.assert(fc.property(text, text, (before, after) => {
    const diff = unifiedDiff('f.txt', before, after);
    assert.equal(diff === '' ? before : applyWithPatch(dir, before, diff), after);
  }), { numRuns: 150 });
});
