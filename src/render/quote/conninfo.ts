import { refuseFirst, textOf } from './input.js';

const CONTEXT = 'libpq conninfo value';

/**
 * A value in a libpq keyword/value connection string (`primary_conninfo`, `psql "..."`). Always
 * single-quoted, so spaces, `=` and an empty value are safe; inside the quotes libpq reads `\x`
 * as `x`, so `\` and `'` are escaped with a backslash.
 */
export function conninfoValue(v: unknown): string {
  const text = textOf(CONTEXT, v);
  refuseFirst(CONTEXT, text, /\0/u, 'libpq reads connection strings as C strings and stops at NUL');
  return `'${text.replace(/[\\']/gu, (ch) => `\\${ch}`)}'`;
}
