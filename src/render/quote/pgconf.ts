import { refuseFirst, textOf } from './input.js';

const CONTEXT = 'postgresql.conf string';

/**
 * A string value in postgresql.conf: single-quoted, `'` doubled and `\` doubled (the config
 * lexer treats a backslash as an escape inside quoted values).
 */
export function pgConfString(v: unknown): string {
  const text = textOf(CONTEXT, v);
  refuseFirst(CONTEXT, text, /[\0\n]/u, 'a postgresql.conf value is one line of a C-string file; NUL and newline end it');
  return `'${text.replace(/[\\']/gu, (ch) => ch + ch)}'`;
}
