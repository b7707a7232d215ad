// WAL positions ("log sequence numbers"). PostgreSQL prints them as two hex halves, `X/Y`, of a
// 64-bit byte position. They exceed 2^53 on busy servers, so they are bigint here, never number.

/** An LSN as PostgreSQL prints it: `16/B374D848`. */
const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/u;

export function isLsn(text: string): boolean {
  return LSN_TEXT.test(text);
}

/** `16/B374D848` → 0x16B374D848n. Throws on anything that is not an LSN. */
export function parseLsn(text: string): bigint {
  const m = LSN_TEXT.exec(text.trim());
  if (!m) throw new Error(`not a WAL location (expected X/Y in hex): ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** The inverse of parseLsn, in PostgreSQL's own spelling (upper-case hex, no padding). */
export function formatLsn(lsn: bigint): string {
  if (lsn < 0n || lsn > 0xFFFFFFFFFFFFFFFFn) throw new Error(`WAL location out of range: ${lsn}`);
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xFFFFFFFFn).toString(16).toUpperCase()}`;
}

/** -1, 0 or 1, for sorting. */
export function compareLsn(a: bigint | string, b: bigint | string): -1 | 0 | 1 {
  const x = typeof a === 'string' ? parseLsn(a) : a;
  const y = typeof b === 'string' ? parseLsn(b) : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Bytes from `from` to `to` (negative when `to` is behind), as pg_wal_lsn_diff(to, from). */
export function lsnDiff(to: bigint | string, from: bigint | string): bigint {
  return (typeof to === 'string' ? parseLsn(to) : to) - (typeof from === 'string' ? parseLsn(from) : from);
}

/** A byte count for JSON and tables: a number while it is exact, which is below 8 PiB. */
export function bytesNumber(bytes: bigint): number {
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER) || bytes < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`byte count too large to report exactly: ${bytes}`);
  }
  return Number(bytes);
}
