import { QuoteError } from './error.js';
import { refuseFirst, textOf } from './input.js';

/** PostgreSQL truncates identifiers to NAMEDATALEN-1 bytes (with only a NOTICE). */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * A SQL string literal: `'...'` with `'` doubled. Backslashes are literal because the server
 * runs with standard_conforming_strings=on (the default since PostgreSQL 9.1); never prefix the
 * result with E.
 */
export function sqlLiteral(v: unknown): string {
  const context = 'SQL string literal';
  const text = textOf(context, v);
  refuseFirst(context, text, /\0/u, 'PostgreSQL text cannot contain NUL');
  return `'${text.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier: `"..."` with `"` doubled, so case, keywords and symbols are kept. */
export function sqlIdentifier(v: unknown): string {
  const context = 'SQL identifier';
  const text = textOf(context, v);
  refuseFirst(context, text, /\0/u, 'PostgreSQL names cannot contain NUL');
  if (text === '') throw new QuoteError(context, 'empty: PostgreSQL rejects a zero-length quoted identifier');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new QuoteError(
      context,
      `${bytes} bytes long: PostgreSQL silently truncates names to ${MAX_IDENTIFIER_BYTES} bytes, so this would name something else`,
    );
  }
  return `"${text.replaceAll('"', '""')}"`;
}
