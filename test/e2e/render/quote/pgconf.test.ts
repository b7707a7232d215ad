import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pgConfString } from '../../../../src/render/quote/index.js';
import { giveToPostgres } from '../../../support/as-postgres.js';
import { startPostgres } from '../../../support/postgres.js';
import { hexOf, linesFromHex } from './pg-read.js';
import { checkFixed, checkNonText, checkRandom } from './round-trip.js';

const pg = await startPostgres();
const include = join(pg.dataDir, 'quote-test.conf');
writeFileSync(include, '');
giveToPostgres(include);
appendFileSync(join(pg.dataDir, 'postgresql.conf'), "include 'quote-test.conf'\n");

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Writes `quote_test.v<i> = <quoted>` lines into an included file, reloads, and reads the values
 * back with current_setting(). A reload is asynchronous and a file with a syntax error is ignored
 * as a whole, so a fresh nonce in the same file shows when (and whether) this file took effect.
 */
function viaPostgresqlConf(values: readonly string[]): string[] {
  const nonce = randomUUID();
  writeFileSync(include, values.map((v, i) => `quote_test.v${i} = ${pgConfString(v)}\n`).join('') + `quote_test.nonce = '${nonce}'\n`);
  pg.psql('SELECT pg_reload_conf();');
  for (let waited = 0; pg.psql("SELECT current_setting('quote_test.nonce', true);").trim() !== nonce; waited += 50) {
    if (waited >= 10_000) {
      const errors = pg.psql("SELECT sourceline, error FROM pg_file_settings WHERE error IS NOT NULL;");
      throw new Error(`postgresql.conf include not applied after 10 s; errors:\n${errors}\n${readFileSync(include, 'utf8')}`);
    }
    sleep(50);
  }
  const sql = values.map((_, i) => `SELECT ${hexOf(`current_setting('quote_test.v${i}')`)};\n`).join('');
  return linesFromHex(pg.psql(sql), values.length);
}

test('pgConfString refuses missing and non-text values', () => checkNonText(pgConfString));

test('pgConfString: hostile values round-trip through a postgresql.conf reload', () => {
  checkFixed(pgConfString, viaPostgresqlConf, ['a\nb', '\0', '\uD800']);
});

test('pgConfString: random strings round-trip through a postgresql.conf reload (fast-check)', () => {
  checkRandom(pgConfString, viaPostgresqlConf);
});
