import { test } from 'node:test';
import { sqlIdentifier, sqlLiteral } from '../../../../src/render/quote/index.js';
import { startPostgres } from '../../../support/postgres.js';
import { hexOf, linesFromHex } from './pg-read.js';
import { HOSTILE, checkFixed, checkNonText, checkRandom } from './round-trip.js';

const pg = await startPostgres();

/**
 * SQL reaches the server through psql, as it does in the entrypoint. psql substitutes `:name`,
 * `:'name'` and `:"name"` outside quotes only; `foo` and `VAR` are set so that a value leaking
 * out of its quotes would come back changed.
 */
const PSQL_VARIABLES = '\\set foo PSQL-INTERPOLATED\n\\set VAR PSQL-INTERPOLATED\n';

function literalsViaPostgres(values: readonly string[]): string[] {
  const sql = PSQL_VARIABLES + values.map((v) => `SELECT ${hexOf(sqlLiteral(v))};\n`).join('');
  return linesFromHex(pg.psql(sql), values.length);
}

/** Creates one table per value, tagged with its index, and reads the names back from pg_class. */
function identifiersViaPostgres(values: readonly string[]): string[] {
  const sql =
    PSQL_VARIABLES +
    'BEGIN;\nCREATE SCHEMA quote_probe;\n' +
    values.map((v, i) => `CREATE TABLE quote_probe.${sqlIdentifier(v)} (x int);\nCOMMENT ON TABLE quote_probe.${sqlIdentifier(v)} IS '${i}';\n`).join('') +
    `SELECT ${hexOf('c.relname::text')} FROM pg_class c
      WHERE c.relnamespace = 'quote_probe'::regnamespace AND c.relkind = 'r'
      ORDER BY obj_description(c.oid, 'pg_class')::int;\n` +
    'ROLLBACK;\n';
  return linesFromHex(pg.psql(sql), values.length);
}

const psqlProbes = [':foo', ":'foo'", ':"foo"', ':{?foo}', '\\echo hi', '\\', "\\'"];

test('sqlLiteral and sqlIdentifier refuse missing and non-text values', () => {
  checkNonText(sqlLiteral);
  checkNonText(sqlIdentifier);
});

test('sqlLiteral: hostile values round-trip through psql and PostgreSQL 15', () => {
  checkFixed(sqlLiteral, literalsViaPostgres, ['\0', '\uD800']);
  checkFixed(sqlLiteral, literalsViaPostgres, [], psqlProbes);
});

test('sqlIdentifier: hostile values round-trip through psql and PostgreSQL 15', () => {
  checkFixed(sqlIdentifier, identifiersViaPostgres, ['', '\0', '\uD800', `long-${'x'.repeat(95)}`, `'"$\\\``.repeat(20)]);
  checkFixed(sqlIdentifier, identifiersViaPostgres, [], psqlProbes);
});

test('sqlLiteral: random strings round-trip through PostgreSQL 15 (fast-check)', () => {
  checkRandom(sqlLiteral, literalsViaPostgres);
});

test('sqlIdentifier: random strings round-trip through PostgreSQL 15 (fast-check)', () => {
  checkRandom(sqlIdentifier, identifiersViaPostgres);
});
