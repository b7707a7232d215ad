// Our unified diff must be a real one: GNU patch applies it to the old text and gets the new.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { unifiedDiff } from '../../src/output/unified-diff.js';
import { tempDir } from '../support/tmp.js';

function applyWithPatch(dir: string, before: string, diff: string): string {
  const file = join(dir, 'f.txt');
  writeFileSync(file, before);
  const result = spawnSync('patch', ['--quiet', '--force', file], { input: diff, encoding: 'utf8' });
  assert.equal(result.status, 0, `patch failed: ${result.stdout}${result.stderr}\n${diff}`);
  return readFileSync(file, 'utf8');
}

test('equal texts give no diff', () => {
  assert.equal(unifiedDiff('x', 'a\nb\n', 'a\nb\n'), '');
});

test('a changed line in a long file shows three lines of context', () => {
  const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const after = before.replace('line 10', 'LINE TEN');
  assert.equal(unifiedDiff('f', before, after), '--- a/f\n+++ b/f\n@@ -8,7 +8,7 @@\n line 7\n line 8\n line 9\n-line 10\n+LINE TEN\n line 11\n line 12\n line 13\n');
});

test('patch turns the old text into the new one, for random edits', (t) => {
  const dir = tempDir(t);
  const text = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', '', 'listen = on'), { maxLength: 30 }).map((ls) => ls.map((l) => `${l}\n`).join(''));
  fc.assert(fc.property(text, text, (before, after) => {
    const diff = unifiedDiff('f.txt', before, after);
    assert.equal(diff === '' ? before : applyWithPatch(dir, before, diff), after);
  }), { numRuns: 150 });
});
