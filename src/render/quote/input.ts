// What every quoting helper does before its own rules: turn the template value into text, and
// name a refused character precisely, so a message says which character broke which file.
import { describeChar } from '../../config/env-file-rule.js';
import { QuoteError } from './error.js';

/**
 * The text to quote. A template variable that is missing reaches a helper as undefined (null
 * from JSON), so both are refused here instead of being rendered as "undefined".
 */
export function textOf(context: string, v: unknown): string {
  if (v === undefined || v === null) {
    throw new QuoteError(context, `no value (got ${String(v)}); is a template variable missing?`);
  }
  if (typeof v === 'number') {
    // NaN or Infinity here is a bug upstream (a port computed from nothing), not a value to write.
    if (!Number.isFinite(v)) throw new QuoteError(context, `${v} is not a finite number`);
    return String(v);
  }
  if (typeof v !== 'string') {
    throw new QuoteError(context, `expected a string or a number, got ${typeof v}`);
  }
  // Every output is a UTF-8 file; a lone surrogate would be written as U+FFFD, another value.
  refuseFirst(context, v, /\p{Cs}/u, 'a lone UTF-16 surrogate is not a character and cannot be written as UTF-8');
  return v;
}

/** Throw a QuoteError naming the first character of `text` that matches `pattern` (a /u regex). */
export function refuseFirst(context: string, text: string, pattern: RegExp, why: string): void {
  const hit = pattern.exec(text);
  if (hit) throw new QuoteError(context, `${describeChar(hit[0])} at index ${hit.index}: ${why}`);
}
