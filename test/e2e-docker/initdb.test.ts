// Issue 9's /docker-entrypoint-initdb.d, on the real engine: the bundle's initdb.d/ folder (mounted
// read-only on the primary) with a *.sql, a *.sql.gz and an executable *.sh.
//   1. They run once, in name order, at the primary's first start; not again on a restart; the
//      replicas (cloned afterwards) see what they made.
//   2. A failing script stops the start, and `docker compose logs primary` names the file and the
//      line; the volume holds no cluster (neither PGDATA nor a staging copy); after fixing the
//      file, `docker compose up -d` succeeds and every script has run exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dataLayout, type Bundle } from './support/bundle.js';
import { describe, type Variant } from './support/matrix.js';
import { waitFor } from './support/process.js';
import { docker, imageFor } from './support/rig.js';
import { psql, scenario, waitStreaming } from './support/scenario.js';

const VARIANT: Variant = { major: 18, engine: 'v2' };

const LOG_TABLE = `CREATE TABLE init_log (seq serial PRIMARY KEY, file text NOT NULL);
INSERT INTO init_log (file) VALUES ('01-schema.sql');
CREATE ROLE init_app LOGIN;
`;
const GZ_SQL = `INSERT INTO init_log (file) VALUES ('02-data.sql.gz');
CREATE TABLE init_seeded AS SELECT g AS id FROM generate_series(1, 100) g;
`;
// The official image's contract: psql with no arguments reaches the temporary server as the superuser.
const SH = `#!/bin/bash
set -Eeuo pipefail
psql -v ON_ERROR_STOP=1 --no-psqlrc -c "INSERT INTO init_log (file) VALUES ('03-run.sh')"
psql -v ON_ERROR_STOP=1 --no-psqlrc -c "CREATE DATABASE init_appdb OWNER init_app"
`;

function writeInitScripts(bundle: Bundle): void {
  const dir = join(bundle.dir, 'initdb.d');
  writeFileSync(join(dir, '01-schema.sql'), LOG_TABLE);
  writeFileSync(join(dir, '02-data.sql.gz'), gzipSync(GZ_SQL));
  writeFileSync(join(dir, '03-run.sh'), SH);
  chmodSync(join(dir, '03-run.sh'), 0o755);
}

const ORDER = '01-schema.sql,02-data.sql.gz,03-run.sh';
const RAN = "SELECT string_agg(file, ',' ORDER BY seq) FROM init_log;";

/** What the primary's volume holds at PGDATA and at the staging directory of a new cluster. */
async function volumeContents(bundle: Bundle, projectName: string): Promise<{ pgdata: string; staging: string }> {
  const layout = dataLayout(bundle, 'primary');
  const r = await docker(['run', '--rm', '--network', 'none', '-v', `${projectName}_${layout.volumeName}:/v`, imageFor(VARIANT.major), 'sh', '-c',
    'ls -A "/v/$1" 2>/dev/null | wc -l; ls -A "/v/$2" 2>/dev/null | wc -l', 'sh', layout.inVolume, layout.staging('init')], { timeoutMs: 60_000 });
  const [pgdata = '', staging = ''] = r.stdout.trim().split('\n');
  return { pgdata, staging };
}

test(`initdb.d: *.sql, *.sql.gz and an executable *.sh run once, in order, at the first start; replicas see them [${describe(VARIANT)}]`, { timeout: 300_000 }, async (t) => {
  await scenario(t, 'initdb.d once', VARIANT, async (s) => {
    const { bundle, project, primary, replicas, refs } = await s.stack('initdb', { REPLICA_COUNT: '2' });
    writeInitScripts(bundle);
    await s.steps([
      ['first start: the scripts run in name order', async () => {
        await s.time('up --wait -> streaming', async () => {
          await project.up([], ['--wait']);
          await waitStreaming(primary, refs);
        });
        assert.equal(await psql(primary, RAN), ORDER);
        assert.equal(await psql(primary, 'SELECT count(*) FROM init_seeded;'), '100');
        assert.equal(await psql(primary, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'init_appdb';"), 'init_app');
        const logs = await project.logs('primary');
        for (const name of ORDER.split(',')) assert.ok(logs.includes(`pg-ha-init: ${name}: running`), `${name} ran (not sourced, not ignored)`);
      }],
      ['the replicas see their objects', async () => {
        for (const replica of replicas) {
          await waitFor(async () => ((await psql(replica, RAN)) === ORDER ? true : undefined), { timeoutMs: 30_000, intervalMs: 300, what: `${replica.service}: init_log` });
          assert.equal(await psql(replica, "SELECT count(*) FROM init_seeded; SELECT rolname FROM pg_roles WHERE rolname = 'init_app';"), '100\ninit_app');
          assert.equal(await psql(replica, "SELECT count(*) FROM pg_database WHERE datname = 'init_appdb';"), '1');
        }
      }],
      ['a restart does not run them again', async () => {
        await project.compose(['restart', '-t', '30', 'primary']);
        await project.waitHealthy(['primary'], 120_000, true);
        assert.equal(await psql(primary, RAN), ORDER);
        const logs = await project.logs('primary');
        assert.equal(logs.match(/running the init scripts/g)?.length, 1, 'one run of the init scripts in the primary\'s logs');
      }],
    ]);
  });
});

test(`initdb.d: a failing script stops the start with its name and line, leaves no cluster; fixed, up -d succeeds [${describe(VARIANT)}]`, { timeout: 300_000 }, async (t) => {
  await scenario(t, 'initdb.d failure', VARIANT, async (s) => {
    const { bundle, project, primary } = await s.stack('initdb-fail', { REPLICA_COUNT: '1' });
    writeInitScripts(bundle);
    const bad = join(bundle.dir, 'initdb.d', '04-bad.sql');
    writeFileSync(bad, "INSERT INTO init_log (file) VALUES ('04-bad.sql');\n-- line 2\nSELECT * FROM no_such_table;\n");
    await s.steps([
      ['the start fails, naming the file and the line', async () => {
        await project.up(['primary']);
        const logs = await waitFor(async () => {
          const text = await project.logs('primary');
          return /an init script in \S+ failed/.test(text) ? text : undefined;
        }, { timeoutMs: 90_000, intervalMs: 500, what: 'the primary to report the failing init script' });
        console.log(logs.split('\n').filter((l) => /init|ERROR|FATAL/.test(l)).slice(0, 20).join('\n'));
        assert.match(logs, /psql:\/docker-entrypoint-initdb\.d\/04-bad\.sql:3: ERROR: {2}relation "no_such_table" does not exist/);
        assert.match(logs, /PGDATA \(\S+\) is still empty/);
        // The socket-only temporary server did start (and says "ready"); the real server never did.
        assert.doesNotMatch(logs, /listening on IPv4 address/);
        const [state] = await project.states(['primary']);
        assert.notEqual(state?.health, 'healthy');
      }],
      ['no half-initialised cluster on the volume', async () => {
        await project.compose(['stop', '-t', '10', 'primary']);
        assert.deepEqual(await volumeContents(bundle, project.name), { pgdata: '0', staging: '0' });
      }],
      ['fixed: docker compose up -d succeeds, every script ran once', async () => {
        writeFileSync(bad, "INSERT INTO init_log (file) VALUES ('04-bad.sql');\n-- line 2\nSELECT 1;\n");
        await project.compose(['up', '-d']);
        await project.waitHealthy(['primary', 'replica1'], 180_000, true);
        assert.equal(await psql(primary, RAN), `${ORDER},04-bad.sql`);
      }],
    ]);
  });
});
