// Hundreds of random printable passwords through every layer a password crosses (fast-check):
// the model reads it from a *_FILE, the renderer writes it to the bundle's secret file, the
// entrypoint's file_env reads that file back, and the entrypoint's own bash quoting builds the
// primary_conninfo a replica uses. The bash quoting must agree with the TypeScript helpers (each
// proven against its real parser in test/render/quote), and libpq must log in with it for real.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { parseConfig } from '../../../src/config/model.js';
import { buildPlan } from '../../../src/output/plan.js';
import { conninfoValue, pgConfString, sqlIdentifier, sqlLiteral } from '../../../src/render/quote/index.js';
import { startPostgres } from '../../support/postgres.js';

const SCRIPTS = new URL('../../../templates/entrypoint/entrypoint.d/scripts/', import.meta.url).pathname;
const BATCH = 50;
const RUNS = 6; // 300 passwords

const work = mkdtempSync(join(tmpdir(), 'pg-ha-pw-'));
after(() => rmSync(work, { recursive: true, force: true }));
const pg = await startPostgres();

// Printable text of any script, with the characters that break naive quoting mixed in often.
const password = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }),
  fc.string({ unit: fc.constantFrom(...`'"$\\\`#:&=%@/ -{}()!;|<>*?~`, 'ü', '日', '🐘'), minLength: 1, maxLength: 100 }),
).filter((s) => !/[\0\r\n]/.test(s));

/** What the entrypoint's bash makes of each secret file: [value read, conninfo pair, conf-quoted]. */
function throughEntrypoint(files: string[]): [string, string, string][] {
  const script = `
    set -Eeuo pipefail
    source "$1/utils/log.sh"; source "$1/utils/env.sh"; source "$1/init/03-config.sh"
    shift
    for file in "$@"; do
      unset REPLICATION_PASSWORD
      REPLICATION_PASSWORD_FILE="$file"
      file_env REPLICATION_PASSWORD
      pair="$(conninfo_pair password "$REPLICATION_PASSWORD")"
      printf '%s\\0%s\\0%s\\0' "$REPLICATION_PASSWORD" "$pair" "$(conf_quote "$pair")"
    done`;
  const result = spawnSync('bash', ['-c', script, 'bash', SCRIPTS, ...files], { encoding: 'buffer', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(result.status, 0, result.stderr.toString());
  const fields = new TextDecoder('utf-8', { fatal: true }).decode(result.stdout).split('\0').slice(0, -1);
  return files.map((_, i) => [fields[3 * i]!, fields[3 * i + 1]!, fields[3 * i + 2]!]);
}

let batchNo = 0;
function checkBatch(passwords: string[]): void {
  const batch = batchNo++;
  const files = passwords.map((pw, i) => {
    // The user's *_FILE, as --from-env reads it; then the bundle's secret file, as rendered.
    const input = join(work, `in-${batch}-${i}`);
    writeFileSync(input, `${pw}\n`);
    const parsed = parseConfig({ HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD_FILE: input }, { mode: 'node' });
    assert.ok(parsed.ok, `model refused ${JSON.stringify(pw)}: ${JSON.stringify(!parsed.ok && parsed.errors)}`);
    const secret = buildPlan(parsed.config, join(work, 'never-written'), 'test').find((f) => f.path === 'secrets/replication_password');
    assert.equal(secret?.content, pw, 'the rendered secret file holds the password exactly');
    const rendered = join(work, `secret-${batch}-${i}`);
    writeFileSync(rendered, secret.content, { mode: 0o600 });
    return rendered;
  });

  const read = throughEntrypoint(files);
  const roles = passwords.map((_, i) => `pw_probe_${batch}_${i}`);
  pg.psql(passwords.map((pw, i) => `CREATE ROLE ${sqlIdentifier(roles[i]!)} LOGIN PASSWORD ${sqlLiteral(pw)};\n`).join(''));
  passwords.forEach((pw, i) => {
    const [value, pair, confQuoted] = read[i]!;
    assert.equal(value, pw, 'file_env reads the secret file back exactly');
    assert.equal(pair, `password=${conninfoValue(pw)}`, 'bash conninfo quoting = the proven TypeScript helper');
    assert.equal(`'${confQuoted}'`, pgConfString(pair), 'bash postgresql.conf quoting = the proven TypeScript helper');
    const out = pg.psql('SELECT current_user;', { conninfo: `host=127.0.0.1 port=${pg.port} dbname=postgres user=${roles[i]} ${pair}` });
    assert.equal(out.trim(), roles[i], `libpq logs in with the entrypoint's conninfo for ${JSON.stringify(pw)}`);
  });
}

test(`${BATCH * RUNS} random passwords: model, rendered secret file, entrypoint file_env and conninfo, libpq login`, { timeout: 300_000 }, () => {
  fc.assert(fc.property(fc.array(password, { minLength: BATCH, maxLength: BATCH }), (passwords) => { checkBatch(passwords); }), { numRuns: RUNS });
});
