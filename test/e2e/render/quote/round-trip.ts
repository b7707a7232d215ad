// Shared by the quoting tests. Each test file proves its helper against a real parser with the
// same three checks: non-string input, a fixed list of hostile values, and a fast-check property.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { QuoteError } from '../../../../src/render/quote/index.js';

export type Quote = (v: unknown) => string;

/**
 * Renders each value with the helper under test, feeds the result through the real parser and
 * returns what the parser read, in order. Parsers are separate processes, so values are batched.
 */
export type RoundTrip = (values: readonly string[]) => string[];

/** Every value each helper is tested with; each test file lists the ones its helper must refuse. */
export const HOSTILE: readonly string[] = [
  "'", '"', '$', '\\', '`', '#', ':', '&', '=', '%', '@', '/', ' ', ',', '+',
  '-leading', '${VAR}', '$$', '$VAR', ':foo', "a'b", 'a"b', 'a b', 'a #comment', 'key=value&x=%41',
  '@file', '+group', 'all', 'replication', 'samerole', '-c foo=bar',
  'ünïcødé', '日本', `long-${'x'.repeat(95)}`, `'"$\\\``.repeat(20),
  '',
  '\t', '\r', 'a\nb', '\0', '\x7F', '\u0085', '\u2028', '\uFEFF', '\uFFFE', '\uD800',
];

/** Test values as JSON, so invisible characters show in assertion messages. */
const show = (v: string): string => JSON.stringify(v);

/** Decode what a parser printed; invalid UTF-8 throws instead of becoming U+FFFD, and a BOM is kept. */
export function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
}

function assertQuoteError(fn: () => unknown, what: string): void {
  assert.throws(fn, (err: unknown) => err instanceof QuoteError && err.message.startsWith(`${err.context}: `), what);
}

/** A missing template variable (undefined/null) and other non-text input must not render. */
export function checkNonText(quote: Quote): void {
  for (const v of [undefined, null]) {
    assertQuoteError(() => quote(v), `${String(v)} must be refused`);
    assert.throws(() => quote(v), /is a template variable missing\?/);
  }
  for (const v of [Number.NaN, Number.POSITIVE_INFINITY, true, {}, ['x']]) {
    assertQuoteError(() => quote(v), `${String(v)} must be refused`);
  }
  assert.equal(quote(5432), quote('5432'));
  assert.equal(quote(-1.5), quote('-1.5'));
}

/** Of `values` (HOSTILE by default), exactly `rejected` throw QuoteError; the rest round-trip exactly. */
export function checkFixed(quote: Quote, roundTrip: RoundTrip, rejected: readonly string[], values: readonly string[] = HOSTILE): void {
  for (const v of rejected) {
    assert.ok(values.includes(v), `${show(v)} is not one of the fixed values`);
    assertQuoteError(() => quote(v), `${show(v)} must be refused`);
  }
  const accepted = values.filter((v) => !rejected.includes(v));
  for (const v of accepted) assert.doesNotThrow(() => quote(v), `${show(v)} must be accepted`);
  const got = roundTrip(accepted);
  accepted.forEach((v, i) => assert.equal(got[i], v, `${show(v)} rendered as ${quote(v)} came back as ${show(got[i] ?? '<nothing>')}`));
}

/** Hostile characters weighted up, among random printable graphemes and random code points. */
const hostileChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom("'", '"', '$', '\\', '`', '#', ':', '&', '=', '%', '@', '/', ' ', '-', '{', '}', ',', '+', '\t', '\n', '\r', '\0') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const hostileString = fc.string({ unit: hostileChar, maxLength: 40 });

/**
 * fast-check property over random strings: an accepted value round-trips exactly, a refused one
 * throws QuoteError. The arbitrary is sampled first with the property's seed, which yields the
 * same values, and those are read back in one batch; a value missing from that batch (fast-check
 * shrinking after a failure) is read back alone.
 */
export function checkRandom(quote: Quote, roundTrip: RoundTrip, minAccepted = 50): void {
  const accepts = (v: string): boolean => {
    try {
      quote(v);
      return true;
    } catch (err) {
      if (err instanceof QuoteError) return false;
      throw err;
    }
  };
  const parsed = new Map<string, string>();
  let accepted = 0;
  const property = fc.property(hostileString, (v) => {
    if (!accepts(v)) return; // refused with a QuoteError; any other error fails the property
    accepted++;
    const got = parsed.has(v) ? parsed.get(v) : roundTrip([v])[0];
    assert.equal(got, v, `${show(v)} rendered as ${quote(v)} came back as ${show(got ?? '<nothing>')}`);
  });
  const seed = Math.floor(Math.random() * 0x7fffffff);
  const numRuns = 200;
  const batch = [...new Set(fc.sample(hostileString, { seed, numRuns }))].filter(accepts);
  try {
    roundTrip(batch).forEach((got, i) => parsed.set(batch[i] as string, got));
  } catch {
    // One bad value can fail a whole batch (psql stops at the first error); with nothing cached,
    // the property reads every value alone and fast-check shrinks to the culprit.
  }
  fc.assert(property, { seed, numRuns, includeErrorInReport: true });
  // Guard against a helper that passes by refusing nearly everything.
  assert.ok(accepted >= minAccepted, `only ${accepted} of ${numRuns} random values were accepted (seed ${seed})`);
}
