// The shared validation case table, driven through the bundled validation.sh exactly as
// entrypoint.sh runs it (load_secrets, then validate_ha_configuration), with only the case's
// environment plus PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const UTILS = join(ROOT, 'templates/entrypoint/entrypoint.d/scripts/utils');
const CASES = join(ROOT, 'test/cases/validation-cases.json');

interface Case {
  name: string;
  env: Record<string, string>;
  errors: string[];
  shellErrors?: string[];
  mentions?: string[];
}

const { cases } = JSON.parse(readFileSync(CASES, 'utf8')) as { cases: Case[] };

const SCRIPT = `
set -Eeuo pipefail
source "$1/log.sh"
source "$1/env.sh"
source "$1/validation.sh"
load_secrets
validate_ha_configuration
`;

const SECRET_VARS = ['REPLICATION_PASSWORD', 'POSTGRES_PASSWORD'];
const ERROR_LINE = /^pg-ha-init: error: ([A-Z_][A-Z0-9_]*): /;

interface Run { status: number | null; stderr: string; named: string[]; secrets: string[] }

function runValidation(env: Record<string, string>): Run {
  const dir = mkdtempSync(join(tmpdir(), 'pg-ha-init-validation-'));
  try {
    const secrets: string[] = [];
    const realEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    for (const [name, value] of Object.entries(env)) {
      if (value.startsWith('@file:')) {
        const path = join(dir, `${name}.txt`);
        const content = value.slice('@file:'.length);
        writeFileSync(path, content);
        realEnv[name] = path;
        if (SECRET_VARS.some((s) => name === `${s}_FILE`)) secrets.push(content);
      } else {
        realEnv[name] = value;
        if (SECRET_VARS.includes(name)) secrets.push(value);
      }
    }
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', SCRIPT, 'validation', UTILS], {
      env: realEnv,
      encoding: 'utf8',
      // Node's pipes are sockets: a bash whose stdin is a socket reads ~/.bashrc (rshd heuristic).
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = result.stderr.split('\n').filter((l) => l !== '');
    const named = lines.map((l) => ERROR_LINE.exec(l)?.[1]).filter((v): v is string => v !== undefined);
    return { status: result.status, stderr: result.stderr, named, secrets };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What bash's printf %q makes of the entries the cases hold (letters, digits, . : _ - [ ] and space). */
function shellQuoted(text: string): string {
  return text.replace(/([ \[\]])/g, '\\$1');
}

for (const c of cases) {
  const expected = c.shellErrors ?? c.errors;
  test(`validation.sh: ${c.name}`, () => {
    const run = runValidation(c.env);
    const context = `stderr was:\n${run.stderr}`;
    if (expected.length === 0) {
      assert.equal(run.status, 0, context);
      assert.equal(run.stderr, '', context);
    } else {
      assert.equal(run.status, 1, context);
    }
    // Every stderr line is an error naming a variable: nothing unparseable slips through.
    assert.equal(run.named.length, run.stderr.split('\n').filter((l) => l !== '').length, context);
    assert.deepEqual([...new Set(run.named)].sort(), [...expected].sort(), context);
    // One line per bad entry, naming it (%q quoting: a space shows as "\ ").
    const mentions = c.shellErrors === undefined ? c.mentions ?? [] : [];
    if (mentions.length > 0) {
      assert.equal(run.named.length, mentions.length, `one error per bad entry\n${context}`);
      for (const entry of mentions) assert.ok(run.stderr.includes(shellQuoted(entry)), `names ${entry}\n${context}`);
    }
    // Secrets too short to search for meaningfully ("x") are covered by the test below.
    for (const secret of run.secrets.filter((s) => s.length >= 4)) {
      assert.ok(!run.stderr.includes(secret), `a secret value appears in stderr:\n${run.stderr}`);
    }
  });
}

// Cases the shared table does not hold (yet), checked against the TypeScript model's rules in
// src/config/rules.ts and model.ts. Candidates for the shared table.
const EXTRA_CASES: Case[] = [
  { name: 'fully qualified host with a trailing dot', env: { HA_MODE: 'native', REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1.example.com.', REPLICATION_PASSWORD: 's3cret' }, errors: [] },
  { name: 'IPv6 with a zone', env: { HA_MODE: 'native', REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'fe80::1%eth0', REPLICATION_PASSWORD: 's3cret' }, errors: [] },
  { name: 'IPv4-mapped IPv6', env: { HA_MODE: 'native', REPLICATION_ROLE: 'replica', PRIMARY_HOST: '::ffff:10.0.0.7', REPLICATION_PASSWORD: 's3cret' }, errors: [] },
  { name: 'IPv6 with two ::', env: { HA_MODE: 'native', REPLICATION_ROLE: 'replica', PRIMARY_HOST: '1::2::3', REPLICATION_PASSWORD: 's3cret' }, errors: ['PRIMARY_HOST'] },
  { name: 'IPv4 with a leading zero', env: { HA_MODE: 'native', REPLICATION_ROLE: 'replica', PRIMARY_HOST: '10.0.0.07', REPLICATION_PASSWORD: 's3cret' }, errors: ['PRIMARY_HOST'] },
  { name: 'port with leading zeros', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 's3cret', PGPORT: '05432' }, errors: [] },
  { name: 'port 010 is ten, not octal eight', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 's3cret', PRIMARY_PORT: '010' }, errors: [] },
  { name: 'port that would overflow bash arithmetic', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 's3cret', PRIMARY_PORT: '18446744073709551617' }, errors: ['PRIMARY_PORT'] },
  { name: 'wait timeout above a day', env: { HA_MODE: 'native', REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1', REPLICATION_PASSWORD: 's3cret', PRIMARY_WAIT_TIMEOUT: '86401' }, errors: ['PRIMARY_WAIT_TIMEOUT'] },
  { name: 'superuser password set but empty', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 's3cret', POSTGRES_PASSWORD: '' }, errors: ['POSTGRES_PASSWORD'] },
  { name: 'empty password next to a file', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: '', REPLICATION_PASSWORD_FILE: '@file:s3cret' }, errors: ['REPLICATION_PASSWORD'] },
  { name: 'password file with a line break inside', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD_FILE: '@file:line1\nline2\n' }, errors: ['REPLICATION_PASSWORD_FILE'] },
  { name: 'password file with a NUL byte', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD_FILE: '@file:ab\u0000cd' }, errors: ['REPLICATION_PASSWORD_FILE'] },
  { name: 'password file set to empty', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD_FILE: '' }, errors: ['REPLICATION_PASSWORD_FILE'] },
  { name: 'superuser starting with a slash', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 's3cret', POSTGRES_USER: '/admin' }, errors: ['POSTGRES_USER'] },
  { name: 'same invalid name for both users: reported once per variable', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 's3cret', REPLICATION_USER: 'pg_x', POSTGRES_USER: 'pg_x' }, errors: ['REPLICATION_USER', 'POSTGRES_USER'] },
  { name: 'control character in a database name', env: { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 's3cret', POSTGRES_DB: 'app\u0007' }, errors: ['POSTGRES_DB'] },
];

for (const c of EXTRA_CASES) {
  test(`validation.sh (extra): ${c.name}`, () => {
    const run = runValidation(c.env);
    const context = `stderr was:\n${run.stderr}`;
    assert.equal(run.status, c.errors.length === 0 ? 0 : 1, context);
    assert.deepEqual([...new Set(run.named)].sort(), [...c.errors].sort(), context);
    if (c.name.startsWith('same invalid name')) assert.equal(run.named.length, 2, context);
  });
}

test('validation.sh never prints a secret, whatever the error', () => {
  const marker = 'Zq9-SECRET-MARKER-Zq9';
  const envs: Record<string, string>[] = [
    { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: `${marker}\n${marker}` },
    { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: `${marker}\r` },
    { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: marker, REPLICATION_PASSWORD_FILE: `@file:${marker}` },
    { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 's3cret', POSTGRES_PASSWORD: `${marker}\n` },
    { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD_FILE: `@file:${marker}\n${marker}` },
  ];
  for (const env of envs) {
    const run = runValidation(env);
    assert.notEqual(run.status, 0, run.stderr);
    assert.ok(!run.stderr.includes(marker), `secret in stderr:\n${run.stderr}`);
  }
});

test('validation.sh reads X_FILE like the official image: trailing newlines dropped, X_FILE unset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-ha-init-file-env-'));
  try {
    const file = join(dir, 'secret');
    writeFileSync(file, 'p@ss w0rd\n\n');
    const script = `${SCRIPT}
printf '%s|%s|%s' "$REPLICATION_PASSWORD" "\${REPLICATION_PASSWORD_FILE-unset}" "$(printenv REPLICATION_PASSWORD)"`;
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'validation', UTILS], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD_FILE: file },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'p@ss w0rd|unset|p@ss w0rd');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('entrypoint.sh exits 2 on an invalid configuration, before touching anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-ha-init-invalid-'));
  try {
    const pgdata = join(dir, 'data');
    const result = spawnSync('bash', ['--norc', '--noprofile', join(ROOT, 'templates/entrypoint/entrypoint.sh'), 'postgres'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGDATA: pgdata, HA_MODE: 'native', REPLICATION_ROLE: 'replica', REPLICATION_PASSWORD: 's3cret-value' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /^pg-ha-init: error: PRIMARY_HOST: /m);
    assert.match(result.stderr, /nothing was changed/);
    assert.ok(!result.stderr.includes('s3cret-value'));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('entrypoint.sh runs any other command unchanged, without validating', () => {
  const result = spawnSync('bash', ['--norc', '--noprofile', join(ROOT, 'templates/entrypoint/entrypoint.sh'), 'printf', '%s|', 'a b', '-c'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HA_MODE: 'bogus' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'a b|-c|');
});
