// up and the replication check with a stand-in docker-compose v1 and docker: the health polling,
// the status table, the bounded waits and what the failures tell the user to run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { loadConfig } from '../../src/generate.js';
import { connectionLines } from '../../src/engine/connections.js';
import { ENGINES } from '../../src/engine/engine.js';
import { LaunchError } from '../../src/errors.js';
import { awaitReplication } from '../../src/engine/status.js';
import { up } from '../../src/engine/up.js';
import { tempDir } from '../support/tmp.js';
import { fakeBin } from './fake-bin.js';

const v1 = ENGINES['compose-v1'];
const stack = loadConfig('stack', { REPLICA_COUNT: '2', PRIMARY_PORT: '55432' });

/** docker-compose and docker that log their argv and answer from files the test rewrites. */
function engine(t: TestContext, answers: { inspect?: string; replication?: string; upExit?: number }) {
  const dir = tempDir(t);
  const log = join(dir, 'argv.log');
  const PATH = fakeBin(t, {
    'docker-compose': [
      `echo "docker-compose $*" >> '${log}'`,
      'case "$1" in',
      `  up) echo "Creating primary ... done"; echo "warning on stderr" >&2; exit ${answers.upExit ?? 0};;`,
      '  ps) echo c1; echo c2; echo c3;;',
      `  exec) printf '%s' '${answers.replication ?? ''}';;`,
      'esac',
    ].join('\n'),
    docker: `echo "docker $*" >> '${log}'\nprintf '%s' '${answers.inspect ?? ''}'`,
  });
  const lines: string[] = [];
  return { options: { outDir: dir, say: (l: string) => lines.push(l), env: { PATH }, pollMs: 10 }, lines, argv: () => readFileSync(log, 'utf8') };
}

describe('up with docker-compose v1', () => {
  test('streams the engine\'s output, then polls health until every container is healthy', async (t) => {
    const e = engine(t, { inspect: 'primary|running|healthy\nreplica1|running|healthy\nreplica2|running|healthy\n' });
    await up(v1, e.options);
    assert.equal(e.lines[0], '$ docker-compose up -d');
    // stdout and stderr both reach the user (their relative order is the pipes', not ours).
    assert.deepEqual(e.lines.slice(1, 3).sort(), ['Creating primary ... done', 'warning on stderr']);
    assert.match(e.lines.at(-1) ?? '', /All containers healthy: primary healthy, replica1 healthy, replica2 healthy/);
    assert.match(e.argv(), /docker inspect --format .*State\.Health\.Status.* c1 c2 c3/);
  });

  test('a container that never gets healthy: bounded wait, then the logs command', async (t) => {
    const e = engine(t, { inspect: 'primary|running|healthy\nreplica1|restarting|\n' });
    await assert.rejects(up(v1, { ...e.options, healthTimeoutMs: 100 }), (error: unknown) => {
      assert.ok(error instanceof LaunchError);
      assert.match(error.message, /Not every container is healthy after 0s \(primary healthy, replica1 restarting\)/);
      assert.ok(error.message.endsWith(`cd ${e.options.outDir} && docker-compose logs replica1`), error.message);
      return true;
    });
  });

  test('a failing up: exit 1 with the command to run again', async (t) => {
    const e = engine(t, { upExit: 3 });
    await assert.rejects(up(v1, e.options), /`docker-compose up -d` failed; its output is above\..*\n  cd .* && docker-compose up -d$/s);
  });
});

describe('replication status', () => {
  test('one row per replica, all streaming; the query runs on the primary through exec, without a password', async (t) => {
    const e = engine(t, { replication: 'replica1|streaming\nreplica2|streaming\n' });
    const rows = await awaitReplication(v1, stack, e.options);
    assert.deepEqual(rows, [{ name: 'replica1', state: 'streaming' }, { name: 'replica2', state: 'streaming' }]);
    assert.equal(e.lines.join('\n'), [
      'Replication (pg_stat_replication on the primary):',
      '  replica    state\n  replica1   streaming\n  replica2   streaming',
    ].join('\n'));
    assert.match(e.argv(), /docker-compose exec -T primary psql -U postgres -d postgres -Atc select application_name, state from pg_stat_replication/);
  });

  test('a replica that does not stream within the bounded wait: the table says so, exit 1 with its logs command', async (t) => {
    const e = engine(t, { replication: 'replica1|streaming\nreplica2|catchup\n' });
    await assert.rejects(awaitReplication(v1, stack, { ...e.options, timeoutMs: 100 }), (error: unknown) => {
      assert.ok(error instanceof LaunchError);
      assert.ok(error.message.endsWith('docker-compose logs replica2'), error.message);
      return true;
    });
    assert.match(e.lines.join('\n'), /replica2   catchup/);
  });

  test('a replica missing from pg_stat_replication is "not connected"', async (t) => {
    const e = engine(t, { replication: 'replica2|streaming\n' });
    await assert.rejects(awaitReplication(v1, stack, { ...e.options, timeoutMs: 50 }), LaunchError);
    assert.match(e.lines.join('\n'), /replica1   not connected\n {2}replica2   streaming/);
  });

  test('a replica node asks its own WAL receiver', async (t) => {
    const e = engine(t, { replication: 'replica3|streaming\n' });
    const node = loadConfig('node', { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1', REPLICATION_PASSWORD: 'x', REPLICA_NAME: 'replica3' });
    assert.deepEqual(await awaitReplication(v1, node, e.options), [{ name: 'replica3', state: 'streaming' }]);
    assert.match(e.argv(), /exec -T replica psql .*select 'replica3', status from pg_stat_wal_receiver/);
  });
});

test('connection strings name the password file, never a password', () => {
  const config = loadConfig('stack', { REPLICA_COUNT: '1', PRIMARY_PORT: '55432', POSTGRES_PASSWORD: 'never-shown-1', POSTGRES_USER: 'app@corp', POSTGRES_DB: 'db' });
  const text = connectionLines(config, '/srv/stack').join('\n');
  assert.equal(text, [
    'Connect as app@corp; the password is in /srv/stack/secrets/postgres_password:',
    '  primary    postgresql://app%40corp@127.0.0.1:55432/db',
    '  replica1   postgresql://app%40corp@127.0.0.1:55433/db   (read-only)',
  ].join('\n'));
});

test('compose v2: `up --wait` is bounded too', async (t) => {
  const PATH = fakeBin(t, { docker: 'exec /bin/sleep 5' });
  const outDir = tempDir(t);
  await assert.rejects(up(ENGINES['compose-v2'], { outDir, say: () => {}, env: { PATH }, healthTimeoutMs: 200 }), (error: unknown) => {
    assert.ok(error instanceof LaunchError);
    assert.equal(error.message, `\`docker compose up -d --wait\` did not finish within 0s. See which container is not healthy, and why:\n  cd ${outDir} && docker compose ps && docker compose logs`);
    return true;
  });
});
