import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hbaToken } from '../../../../src/render/quote/index.js';
import { giveToPostgres } from '../../../support/as-postgres.js';
import { startPostgres } from '../../../support/postgres.js';
import { hexOf, linesFromHex } from './pg-read.js';
import { checkFixed, checkNonText, checkRandom } from './round-trip.js';

const pg = await startPostgres();
const hbaFile = join(pg.dataDir, 'pg_hba.conf');
/** initdb's rules; kept first so the superuser can always connect whatever a test appends. */
const baseRules = readFileSync(hbaFile, 'utf8');
const baseLines = baseRules.split('\n').length - 1;

/**
 * Appends `local <token> <token> trust` per value, then reads pg_hba_file_rules, which parses
 * the file on disk on every query (no reload needed). The database and user_name columns are
 * text[]; each must hold exactly the value, and the line must have no error.
 */
function viaHbaFileRules(values: readonly string[]): string[] {
  writeFileSync(hbaFile, baseRules + values.map((v) => `local ${hbaToken(v)} ${hbaToken(v)} trust\n`).join(''));
  const fields = (column: string): string =>
    `CASE WHEN error IS NULL AND cardinality(${column}) = 1 THEN ${hexOf(`${column}[1]`)} ELSE ${hexOf(`coalesce(error, ${column}::text)`)} END`;
  const rows = (column: string): string[] =>
    linesFromHex(pg.psql(`SELECT ${fields(column)} FROM pg_hba_file_rules WHERE line_number > ${baseLines} ORDER BY line_number;`), values.length);
  const databases = rows('database');
  return rows('user_name').map((user, i) => (user === databases[i] ? user : `database ${databases[i]} but user ${user}`));
}

test('hbaToken refuses missing and non-text values', () => checkNonText(hbaToken));

test('hbaToken: hostile values round-trip through pg_hba_file_rules', () => {
  checkFixed(hbaToken, viaHbaFileRules, ['/', '', 'a\nb', '\0', '\uD800', `long-${'x'.repeat(95)}`, `'"$\\\``.repeat(20)]);
});

test('hbaToken: random strings round-trip through pg_hba_file_rules (fast-check)', () => {
  checkRandom(hbaToken, viaHbaFileRules);
});

/**
 * pg_hba_file_rules shows a quoted "all" and the keyword all alike, so keyword handling is proved
 * by behaviour: reject lines naming `all`, `+probe_group` and `@probe_users` as quoted tokens must
 * match only roles with exactly those names, not every role, a group's members or a file's list.
 */
test('hbaToken: quoted keywords, +group and @file are plain names to the server', () => {
  writeFileSync(join(pg.dataDir, 'probe_users'), 'probe_member\n');
  giveToPostgres(join(pg.dataDir, 'probe_users'));
  pg.psql(`CREATE ROLE probe_group;
    CREATE ROLE probe_member LOGIN IN ROLE probe_group;
    CREATE ROLE "all" LOGIN; CREATE ROLE "+probe_group" LOGIN; CREATE ROLE "@probe_users" LOGIN;`);
  const probeLines = [
    `local ${hbaToken('all')} probe_member reject`,
    ...['all', '+probe_group', '@probe_users'].map((name) => `local all ${hbaToken(name)} reject`),
  ];
  writeFileSync(hbaFile, probeLines.join('\n') + '\n' + baseRules);
  pg.psql('SELECT pg_reload_conf();');

  const connectAs = (user: string): string =>
    pg.psql('SELECT current_user;', { conninfo: `host=${pg.socketDir} port=${pg.port} dbname=postgres user=${user}` }).trim();
  const rejected = (user: string): boolean => {
    try {
      connectAs(user);
      return false;
    } catch (err) {
      assert.match((err as Error).message, /pg_hba\.conf rejects connection/);
      return true;
    }
  };
  // The reload is asynchronous; the role literally named "all" is rejected once the file is in force.
  const deadline = Date.now() + 10_000;
  while (!rejected('all')) {
    assert.ok(Date.now() < deadline, 'the new pg_hba.conf was not in force after 10 s');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  assert.ok(rejected('+probe_group'));
  assert.ok(rejected('@probe_users'));
  assert.equal(connectAs('probe_member'), 'probe_member');
  assert.equal(connectAs('postgres'), 'postgres');
});
