// The unified diff of --check, by example. That GNU patch applies it (a real diff, for random
// edits) is shown in test/e2e/output/unified-diff-patch.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unifiedDiff } from '../../src/output/unified-diff.js';

test('equal texts give no diff', () => {
  assert.equal(unifiedDiff('x', 'a\nb\n', 'a\nb\n'), '');
});

test('a changed line in a long file shows three lines of context', () => {
  const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const after = before.replace('line 10', 'LINE TEN');
  assert.equal(unifiedDiff('f', before, after), '--- a/f\n+++ b/f\n@@ -8,7 +8,7 @@\n line 7\n line 8\n line 9\n-line 10\n+LINE TEN\n line 11\n line 12\n line 13\n');
});
