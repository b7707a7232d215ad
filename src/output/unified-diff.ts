// A small unified diff (LCS over lines, 3 lines of context) for --check. Bundle files are a few
// hundred lines at most, so the quadratic table is cheap and keeps the code obvious.
const CONTEXT = 3;

type Op = { kind: ' ' | '-' | '+'; line: string };

function lines(text: string): string[] {
  if (text === '') return [];
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all;
}

function editScript(a: string[], b: string[]): Op[] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { ops.push({ kind: ' ', line: a[i]! }); i++; j++; }
    // Deletions before insertions, as diff -u prints them.
    else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) { ops.push({ kind: '-', line: a[i]! }); i++; }
    else { ops.push({ kind: '+', line: b[j]! }); j++; }
  }
  return ops;
}

/** Unified diff from `before` (on disk) to `after` (freshly rendered); '' when they are equal. */
export function unifiedDiff(path: string, before: string, after: string): string {
  const ops = editScript(lines(before), lines(after));
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  const out = [`--- a/${path}`, `+++ b/${path}`];
  let start = 0;
  while (start < changed.length) {
    // Grow a hunk while the next change is within two contexts of the last one.
    let end = start;
    while (end + 1 < changed.length && changed[end + 1]! - changed[end]! <= 2 * CONTEXT) end++;
    const from = Math.max(0, changed[start]! - CONTEXT);
    const to = Math.min(ops.length, changed[end]! + CONTEXT + 1);
    const beforeLine = ops.slice(0, from).filter((op) => op.kind !== '+').length;
    const afterLine = ops.slice(0, from).filter((op) => op.kind !== '-').length;
    const hunk = ops.slice(from, to);
    const beforeCount = hunk.filter((op) => op.kind !== '+').length;
    const afterCount = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${beforeLine + (beforeCount ? 1 : 0)},${beforeCount} +${afterLine + (afterCount ? 1 : 0)},${afterCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
    start = end + 1;
  }
  return `${out.join('\n')}\n`;
}
