// /docker-entrypoint-initdb.d, as the official image: *.sh (executable: run; otherwise sourced),
// *.sql, *.sql.gz (and .sql.xz / .sql.zst when the tools exist), in name order, on a new primary
// cluster only, against the socket-only temporary server in the staging directory. A failing file
// stops the start with its name and line and leaves PGDATA empty; fixed, the next start succeeds.
// Real PostgreSQL 15 binaries; the directory is INITDB_SCRIPTS_DIR (the bundle mounts it at the
// default /docker-entrypoint-initdb.d).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { assertNoProcessLeftBehind, Lab, PASSWORD, waitStreaming, type Node } from '../../support/entrypoint-run.js';

const onPath = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** A world-readable scripts directory; `files` maps a name to its content (and mode). */
function scriptsDir(lab: Lab, name: string, files: Record<string, string | Buffer | [string, number]>): string {
  const dir = join(lab.root, name);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  for (const [file, spec] of Object.entries(files)) {
    const [content, mode] = Array.isArray(spec) ? spec : [spec, 0o644];
    writeFileSync(join(dir, file), content);
    chmodSync(join(dir, file), mode);
  }
  return dir;
}

const isEmptyOrMissing = (dir: string): boolean => !existsSync(dir) || readdirSync(dir).length === 0;
const staging = (node: Node): string => join(node.pgdata, '..', '.data.init');

test('init scripts run once, in order, on a new primary only; replicas get the result by cloning', { timeout: 120_000 }, async (t) => {
  const lab = new Lab(t);
  const runLog = join(lab.root, 'runs.log');
  writeFileSync(runLog, '');
  chmodSync(runLog, 0o666);
  const files: Record<string, string | Buffer | [string, number]> = {
    '01-schema.sql': 'CREATE TABLE steps (n serial PRIMARY KEY, what text, db text DEFAULT current_database());\n',
    '02-data.sql.gz': gzipSync("INSERT INTO steps (what) VALUES ('gz');\n"),
    // Executable: run, with psql reaching the temporary server without arguments.
    '03-run.sh': [`#!/bin/bash\nset -e\nprintf 'run\\n' >> ${JSON.stringify(runLog)}\npsql -v ON_ERROR_STOP=1 -Xqc "INSERT INTO steps (what) VALUES ('executed as '||current_user)"\n`, 0o755],
    // Not executable: sourced, so it sees the entrypoint's functions and variables.
    '04-sourced.sh': `psql -v ON_ERROR_STOP=1 -Xq --set=u="$POSTGRES_USER" <<<"INSERT INTO steps (what) VALUES ('sourced for ' || :'u')"\n`,
    '05-notes.txt': 'not a script',
  };
  if (onPath('xz')) files['06-xz.sql.xz'] = spawnSync('xz', ['-c'], { input: "INSERT INTO steps (what) VALUES ('xz');\n" }).stdout;
  if (onPath('zstd')) files['07-zst.sql.zst'] = spawnSync('zstd', ['-c'], { input: "INSERT INTO steps (what) VALUES ('zst');\n" }).stdout;
  const dir = scriptsDir(lab, 'initdb.d', files);
  const primary = await lab.primary('init_primary', PASSWORD, { env: { INITDB_SCRIPTS_DIR: dir, POSTGRES_DB: 'app' } });
  const replica = await lab.replica('init_replica', primary, PASSWORD, { INITDB_SCRIPTS_DIR: dir });

  const first = primary.start();
  await primary.waitHealthy();
  const expected = ['gz', 'executed as postgres', 'sourced for postgres', ...(onPath('xz') ? ['xz'] : []), ...(onPath('zstd') ? ['zst'] : [])];
  // The scripts run in POSTGRES_DB, as in the official image.
  const inApp = async (node: Node): Promise<string> => node.sql("SELECT string_agg(what || '@' || db, ',' ORDER BY n) FROM steps", 'app');
  const inAppExpected = expected.map((what) => `${what}@app`).join(',');
  assert.equal(await inApp(primary), inAppExpected);
  assert.match(first.stderr, /03-run\.sh: running/);
  assert.match(first.stderr, /04-sourced\.sh: sourcing/);
  assert.match(first.stderr, /05-notes\.txt: ignored/);
  assert.equal(readFileSync(runLog, 'utf8'), 'run\n');

  await t.test('a restart does not run them again', async () => {
    const again = await primary.restart();
    await primary.waitHealthy();
    assert.doesNotMatch(again.stderr, /init scripts/);
    assert.equal(readFileSync(runLog, 'utf8'), 'run\n');
    assert.equal(await inApp(primary), inAppExpected);
  });

  await t.test('the replica clones the objects and never runs the scripts', async () => {
    const run = replica.start();
    await replica.waitHealthy();
    await waitStreaming(primary, 'init_replica');
    assert.equal(await inApp(replica), inAppExpected);
    assert.doesNotMatch(run.stderr, /init scripts/);
    assert.equal(readFileSync(runLog, 'utf8'), 'run\n');
  });
});

test('a failing init script stops the start with its file and line, leaves PGDATA empty, and the fixed one succeeds', { timeout: 120_000 }, async (t) => {
  const lab = new Lab(t);
  const bad = "CREATE TABLE kept (id int);\n\nINSERT INTO kept VALUES ('not a number');\n";
  const dir = scriptsDir(lab, 'initdb.d', { '01-ok.sql': 'CREATE TABLE first (id int);\n', '02-bad.sql': bad });
  const primary = await lab.primary('failing_primary', PASSWORD, { env: { INITDB_SCRIPTS_DIR: dir } });

  const failed = primary.start();
  await failed.exited;
  assert.equal(failed.exitCode, 1, failed.output);
  assert.ok(failed.stderr.includes(`psql:${join(dir, '02-bad.sql')}:3: ERROR:  invalid input syntax for type integer`), failed.output);
  assert.ok(failed.stderr.includes(`init script ${join(dir, '02-bad.sql')} failed`), failed.output);
  assert.match(failed.stderr, /The new cluster was discarded and PGDATA \(.*\) is still empty/);
  assert.ok(isEmptyOrMissing(primary.pgdata), 'a half-initialised cluster was left in PGDATA');
  assert.ok(!existsSync(staging(primary)), 'the staging directory was left behind');

  await t.test('a sourced script that fails is reported with its line', async () => {
    const sourced = join(dir, '03-sourced.sh');
    writeFileSync(join(dir, '02-bad.sql'), 'SELECT 1;\n');
    writeFileSync(sourced, 'true\n# a comment\nfalse\necho never\n');
    chmodSync(sourced, 0o644);
    const run = primary.start();
    await run.exited;
    assert.equal(run.exitCode, 1, run.output);
    assert.ok(run.stderr.includes(`init script ${sourced} failed at line 3`), run.output);
    assert.doesNotMatch(run.stderr, /never/);
    assert.ok(isEmptyOrMissing(primary.pgdata));
    writeFileSync(sourced, 'true\n');
  });

  await t.test('fixed, the next start succeeds and runs each file once', async () => {
    writeFileSync(join(dir, '02-bad.sql'), bad.replace("'not a number'", '2'));
    const run = primary.start();
    await primary.waitHealthy();
    assert.equal(await primary.sql('SELECT count(*) FROM first'), '0');
    assert.equal(await primary.sql('SELECT id FROM kept'), '2');
    assert.doesNotMatch(run.stderr, /removing .*left over/);
  });
});

after(assertNoProcessLeftBehind);
