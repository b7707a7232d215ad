import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { shellQuote } from '../../../../src/render/quote/index.js';
import { checkFixed, checkNonText, checkRandom, utf8 } from './round-trip.js';

/** bash parses the quoted words; printf writes each back NUL-terminated (the helper refuses NUL). */
function viaBash(values: readonly string[]): string[] {
  if (values.length === 0) return [];
  const script = `printf '%s\\0' ${values.map(shellQuote).join(' ')}`;
  const out = execFileSync('bash', ['-c', script]);
  const words: string[] = [];
  for (let start = 0, end = out.indexOf(0); end !== -1; start = end + 1, end = out.indexOf(0, start)) {
    words.push(utf8(out.subarray(start, end)));
  }
  return words;
}

test('shellQuote refuses missing and non-text values', () => checkNonText(shellQuote));

test('shellQuote: hostile values round-trip through bash', () => {
  checkFixed(shellQuote, viaBash, ['\0', '\uD800']);
});

test('shellQuote: random strings round-trip through bash (fast-check)', () => {
  checkRandom(shellQuote, viaBash);
});
