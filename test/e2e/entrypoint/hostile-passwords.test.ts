// Passwords that broke other tools replicate for real through the bundled entrypoint, each with a
// fresh primary/replica pair, and never appear in argv or in the entrypoints' output.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PG_BIN } from '../../support/as-postgres.js';
import {
  ArgvWatcher, assertNoProcessLeftBehind, assertNoSecret, execFileP, Lab, PASSWORD, PATH, waitRow, waitStreaming, type Env,
} from '../../support/entrypoint-run.js';

const HOSTILE: { name: string; password: string; user?: string }[] = [
  { name: 'quotes_and_shell', password: PASSWORD },
  { name: 'leading_dash', password: '-W --password=x -c log_statement=all' },
  { name: 'dollar_brace', password: '${HOME}$(id)`id`' },
  { name: 'non_ascii', password: 'pässwörd-密码-🔑-ünï', user: 'réplicateur' },
  {
    name: 'hundred_chars',
    password: Array.from({ length: 100 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 94))).join(''),
  },
];

test('hostile passwords replicate for real (a fresh pair each)', { timeout: 240_000 }, async (t) => {
  assert.equal(HOSTILE[4]?.password.length, 100);
  // Two pairs at a time: quick on two cores, and each pair stays independent.
  const queue = [...HOSTILE];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { name, password, user } = item;
      const started = Date.now();
      const lab = new Lab(t, user ?? 'replicator');
      const watcher = new ArgvWatcher([password]);
      const env: Env = user ? { REPLICATION_USER: user } : {};
      const primary = await lab.primary(`${name}_p`, password, { superPassword: password, env });
      const replica = await lab.replica(`${name}_r`, primary, password, env);
      primary.start();
      replica.start();
      await primary.waitHealthy();
      await primary.sql(`CREATE TABLE probe AS SELECT '${name}'::text AS v`);
      await replica.waitHealthy(60_000);
      await waitStreaming(primary, `${name}_r`);
      await waitRow(replica, 'SELECT v FROM probe', name);
      const { stdout } = await execFileP(join(PG_BIN, 'psql'), ['-XAtc', 'SELECT 1'], {
        env: { PATH, PGHOST: '127.0.0.1', PGPORT: String(primary.port), PGUSER: 'postgres', PGDATABASE: 'postgres', PGPASSWORD: password },
      });
      assert.equal(stdout.trim(), '1', `${name}: superuser password`);
      assert.deepEqual(watcher.stop(), [], `${name}: password in argv`);
      for (const run of [primary.run!, replica.run!]) assertNoSecret(run.stdout + run.stderr, [password], `${name}: ${run.label}'s output`);
      t.diagnostic(`${name}: pair streaming after ${Date.now() - started} ms`);
      await lab.teardown();
    }
  };
  await Promise.all([worker(), worker()]);
});

after(assertNoProcessLeftBehind);
