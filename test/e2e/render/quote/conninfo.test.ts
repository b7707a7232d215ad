import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conninfoValue, sqlIdentifier, sqlLiteral } from '../../../../src/render/quote/index.js';
import { startPostgres } from '../../../support/postgres.js';
import { hexOf, linesFromHex } from './pg-read.js';
import { checkFixed, checkNonText, checkRandom } from './round-trip.js';

const pg = await startPostgres();

const NAME_MAX_BYTES = 63;
/** A role can be named v: CREATE ROLE refuses reserved names, longer names are truncated, and the superuser stays. */
const canBeRoleName = (v: string): boolean =>
  v !== '' && Buffer.byteLength(v) <= NAME_MAX_BYTES && !v.startsWith('pg_') && !['public', 'none', 'postgres'].includes(v);
/** The server keeps application_name only when it is printable ASCII of at most 63 bytes. */
const keptAsApplicationName = (v: string): boolean => /^[\x20-\x7E]{0,63}$/.test(v);

/**
 * libpq parses each value from the conninfo that psql gets, and the server reports what arrived.
 * application_name would be the obvious probe, but the server truncates it to 63 bytes and turns
 * non-ASCII into `?`. So every value travels as up to three parameters at once, over TCP where
 * initdb set scram-sha-256:
 *  - user=v for a role created with exactly that name, read back with current_user;
 *  - password=v, that role's password: logging in at all proves libpq sent exactly v (SCRAM
 *    compares the password; the only one for values too long for a role name);
 *  - application_name=v when the server keeps it unchanged (the only probe for the empty value).
 * The asserts are the check; v is returned once every probe matched.
 */
function viaLibpq(values: readonly string[]): string[] {
  const plan = values.map((v, i) => ({
    user: canBeRoleName(v) ? v : `quote_probe_${i}`,
    password: v === '' ? 'not-empty' : v,
    app: keptAsApplicationName(v) ? v : 'quote-probe',
  }));
  pg.psql(plan.map(({ user, password }) => `DROP ROLE IF EXISTS ${sqlIdentifier(user)};
    CREATE ROLE ${sqlIdentifier(user)} LOGIN PASSWORD ${sqlLiteral(password)};\n`).join(''));
  return values.map((v, i) => {
    const { user, password, app } = plan[i]!;
    const conninfo = `host=127.0.0.1 port=${pg.port} dbname=postgres user=${conninfoValue(user)} password=${conninfoValue(password)} application_name=${conninfoValue(app)}`;
    const sql = `SELECT h FROM (VALUES (1, ${hexOf('current_user')}), (2, ${hexOf("current_setting('application_name')")})) AS t(n, h) ORDER BY n;`;
    const [gotUser, gotApp] = linesFromHex(pg.psql(sql, { conninfo }), 2);
    assert.equal(gotUser, user, `user= of ${JSON.stringify(v)}`);
    assert.equal(gotApp, app, `application_name= of ${JSON.stringify(v)}`);
    return v;
  });
}

test('conninfoValue refuses missing and non-text values', () => checkNonText(conninfoValue));

test('conninfoValue: hostile values round-trip through libpq', () => {
  checkFixed(conninfoValue, viaLibpq, ['\0', '\uD800']);
});

test('conninfoValue: random strings round-trip through libpq (fast-check)', () => {
  checkRandom(conninfoValue, viaLibpq);
});
