// Scenario 4: hostile input through every layer. Role names that cannot live in an env file are
// rejected by the config model with a clear message; the accepted hostile names and six hostile
// passwords go through the renderer, the secret files, Compose env files (v2 and v1), the entrypoint's
// shell, initdb --pwfile, SQL (CREATE/ALTER ROLE), libpq (PGPASSWORD, then primary_conninfo in
// postgresql.auto.conf) and SCRAM: each stack must stream, and the passwords must log in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/generate.js';
import { ACCEPTED_NAMES, HOSTILE_PASSWORDS, REJECTED_NAMES } from './support/hostile.js';
import { describe, variants } from './support/matrix.js';
import { median, run } from './support/process.js';
import { createRowsTable, expectRowsEverywhere, psql, scenario, waitStreaming, writeRows } from './support/scenario.js';

test('role names with \' " $ \\ ` # or white space are rejected with a clear message, never mangled', () => {
  for (const variable of ['REPLICATION_USER', 'POSTGRES_USER'] as const) {
    for (const { value, codePoint } of REJECTED_NAMES) {
      assert.throws(() => loadConfig('stack', { [variable]: value }), (error: unknown) => {
        // One error, naming the variable, the character (by code point: it may be invisible),
        // why (env files), and the fix.
        assert.ok(error instanceof InvalidConfigError, String(error));
        assert.equal(error.errors.length, 1, error.message);
        const message = error.message;
        assert.ok(message.startsWith(`${variable} contains `) && message.includes(codePoint), `${JSON.stringify(value)}: ${message}`);
        assert.match(message, /env.file/);
        assert.match(message, /Fix: choose a role name without quotes, spaces/);
        return true;
      }, `${variable}=${JSON.stringify(value)}`);
    }
  }
  assert.throws(() => loadConfig('stack', { REPLICATION_USER: 'r'.repeat(100) }), /REPLICATION_USER is 100 bytes long; PostgreSQL role names are at most 63 bytes/);
  assert.throws(() => loadConfig('stack', { POSTGRES_DB: 'db name' }), /POSTGRES_DB contains U\+0020.*Fix: choose a database name/);
  assert.throws(() => loadConfig('stack', { REPLICATION_PASSWORD: 'two\nlines' }), /REPLICATION_PASSWORD contains a line break/);
  // The accepted hostile names and every hostile password pass validation unchanged.
  for (const name of Object.values(ACCEPTED_NAMES)) assert.equal(loadConfig('stack', { REPLICATION_USER: name }).replicationUser, name);
  for (const { value } of HOSTILE_PASSWORDS) {
    assert.deepEqual(loadConfig('node', { REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: value }).replicationPassword, { kind: 'given', value });
  }
});

interface Case {
  label: string;
  replicationPassword: string;
  postgresPassword: string;
  replicationUser?: string;
  postgresUser?: string;
}

const CASES: Case[] = HOSTILE_PASSWORDS.map((p, i) => {
  const next = HOSTILE_PASSWORDS[(i + 1) % HOSTILE_PASSWORDS.length]!;
  return { label: p.label, replicationPassword: p.value, postgresPassword: next.value };
});
CASES[0]!.replicationUser = ACCEPTED_NAMES.specials;
CASES[1]!.replicationUser = ACCEPTED_NAMES.leadingDash;
CASES[3]!.replicationUser = ACCEPTED_NAMES.nonAscii;
CASES[3]!.postgresUser = ACCEPTED_NAMES.superuserNonAscii;
CASES[4]!.replicationUser = ACCEPTED_NAMES.longest;

/** Connect from the host through the published loopback port; the value travels in PG* variables only. */
async function hostLogin(port: number, user: string, password: string): Promise<string> {
  const r = await run('psql', ['-X', '-At', '-c', 'SELECT current_user'], {
    env: { PATH: process.env.PATH, PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: user, PGPASSWORD: password, PGDATABASE: 'postgres', PGCONNECT_TIMEOUT: '5' },
    check: false, timeoutMs: 20_000,
  });
  return r.code === 0 ? r.stdout.trim() : `failed: ${r.stderr.trim()}`;
}

for (const variant of variants('hostile')) {
  test(`hostile passwords and role names replicate for real in Docker [${describe(variant)}]`, { timeout: 600_000 }, async (t) => {
    await scenario(t, 'scenario 4: hostile input', variant, async (s) => {
      const upToStreaming: number[] = [];
      for (const c of CASES) {
        await t.test(`REPLICATION_PASSWORD with ${c.label}${c.replicationUser ? `, REPLICATION_USER ${JSON.stringify(c.replicationUser)}` : ''}${c.postgresUser ? `, POSTGRES_USER ${JSON.stringify(c.postgresUser)}` : ''}`, async () => {
          const settings: Record<string, string> = { REPLICA_COUNT: '1', REPLICATION_PASSWORD: c.replicationPassword, POSTGRES_PASSWORD: c.postgresPassword };
          if (c.replicationUser) settings.REPLICATION_USER = c.replicationUser;
          if (c.postgresUser) settings.POSTGRES_USER = c.postgresUser;
          const { bundle, project, port, primary, replicas, refs } = await s.stack('hostile', settings);
          const replicationUser = bundle.config.replicationUser;
          const postgresUser = bundle.config.postgresUser;
          try {
            // Rendering: the secret files hold exactly the bytes given; nothing else holds them.
            assert.equal(readFileSync(join(bundle.dir, 'secrets/replication_password'), 'utf8'), c.replicationPassword);
            assert.equal(readFileSync(join(bundle.dir, 'secrets/postgres_password'), 'utf8'), c.postgresPassword);
            for (const file of ['compose.yaml', 'env/primary.env', 'env/replica1.env', 'config/pg_hba.conf', 'config/postgresql.conf', 'README.md']) {
              const text = bundle.read(file);
              assert.ok(!text.includes(c.replicationPassword) && !text.includes(c.postgresPassword), `${file} holds no password`);
            }
            assert.equal((await project.compose(['config', '-q'])).stderr, '');

            const started = Date.now();
            await project.up();
            await waitStreaming(primary, refs, 180_000);
            upToStreaming.push(Date.now() - started);
            s.metric(`up -> streaming (${c.label})`, Date.now() - started, 'ms');

            // Env file -> Compose -> container: the names arrive byte for byte.
            for (const service of ['primary', 'replica1']) {
              const env = (await project.exec(service, ['printenv', 'REPLICATION_USER', 'POSTGRES_USER'])).stdout;
              assert.equal(env, `${replicationUser}\n${postgresUser}\n`, `${service}'s environment`);
            }
            // Streaming through the slot as that role (the walreceiver logged in with the password
            // from primary_conninfo, which pg_basebackup -R wrote into postgresql.auto.conf).
            assert.equal(await psql(primary, 'SELECT usename FROM pg_stat_replication;'), replicationUser);
            assert.match(await psql(replicas[0]!, 'SELECT conninfo FROM pg_stat_wal_receiver;'), /password=\*{8}/);
            await createRowsTable(primary);
            const count = await writeRows(primary, c.label, 3);
            await expectRowsEverywhere(primary, replicas, count);

            // SQL layer: both roles have exactly these passwords (SCRAM logins from the host).
            assert.equal(await hostLogin(port, replicationUser, c.replicationPassword), replicationUser);
            assert.equal(await hostLogin(port, postgresUser, c.postgresPassword), postgresUser);
            assert.match(await hostLogin(port, postgresUser, `${c.postgresPassword}x`), /password authentication failed/);

            const logs = await project.logs();
            assert.ok(!logs.includes(c.replicationPassword) && !logs.includes(c.postgresPassword), `no password in ${project.command} logs`);
          } catch (error) {
            await s.dumpLogs();
            throw error;
          } finally {
            await project.down();
          }
        });
      }
      s.metric('up -> streaming, median over the hostile stacks (1 replica each)', median(upToStreaming), 'ms');
    });
  });
}
