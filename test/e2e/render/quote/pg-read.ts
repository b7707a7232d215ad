// Reading text back from psql exactly: the server prints each value as hex of its UTF-8 bytes,
// so newlines, `|` and trailing spaces in values cannot be confused with psql's output format.
import assert from 'node:assert/strict';
import { utf8 } from './round-trip.js';

/** SQL for the hex of a text expression. */
export const hexOf = (expr: string): string => `encode(convert_to(${expr}, 'UTF8'), 'hex')`;

/** The text behind each line of hex that psql printed; asserts there are exactly `count`. */
export function linesFromHex(stdout: string, count: number): string[] {
  const lines = stdout.split('\n').slice(0, -1);
  assert.equal(lines.length, count, `expected ${count} rows from psql, got:\n${stdout}`);
  return lines.map((hex) => utf8(Buffer.from(hex, 'hex')));
}
