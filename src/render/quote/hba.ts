import { QuoteError } from './error.js';
import { refuseFirst, textOf } from './input.js';

const CONTEXT = 'pg_hba.conf user/database token';

/** Role and database names are at most NAMEDATALEN-1 bytes; a longer token can never match. */
const MAX_NAME_BYTES = 63;

/**
 * A user or database field of a pg_hba.conf line, naming exactly one role or database.
 * Double quotes make PostgreSQL treat it as a plain name: keywords (`all`, `replication`,
 * `samerole`, ...), `+group` and `@file` lose their meaning, and blanks, `,` and `#` stay in the
 * token. Inside quotes a `"` is written `""` (hba.c next_token).
 */
export function hbaToken(v: unknown): string {
  const text = textOf(CONTEXT, v);
  refuseFirst(CONTEXT, text, /[\0\n]/u, 'pg_hba.conf is read line by line as C strings; a token cannot span NUL or a newline');
  if (text === '') throw new QuoteError(CONTEXT, 'empty: no role or database has an empty name');
  if (text.startsWith('/')) {
    // PostgreSQL 16 and later compile a user or database token that starts with `/` into a
    // regular expression, quoted or not; the same line would then match other names.
    throw new QuoteError(CONTEXT, "'/' (U+002F) at index 0: PostgreSQL 16+ reads a leading slash as a regular expression, even inside quotes");
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_NAME_BYTES) {
    throw new QuoteError(CONTEXT, `${bytes} bytes long: role and database names are at most ${MAX_NAME_BYTES} bytes, so the line could never match`);
  }
  return `"${text.replaceAll('"', '""')}"`;
}
