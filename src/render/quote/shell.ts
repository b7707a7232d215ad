import { refuseFirst, textOf } from './input.js';

const CONTEXT = 'shell word';

/**
 * One POSIX shell word that stands for exactly `v`: single quotes keep every byte literal
 * (no $, backtick, backslash or glob expansion); a `'` closes the quote, adds an escaped
 * quote and reopens: `'\''`.
 */
export function shellQuote(v: unknown): string {
  const text = textOf(CONTEXT, v);
  refuseFirst(CONTEXT, text, /\0/u, 'a shell word is a C string and cannot hold NUL');
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
