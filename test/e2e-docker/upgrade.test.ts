// Issue 9's upgrade procedure, run EXACTLY AS the bundle's README writes it: a stack rendered with
// --pg-major 15 and SYNC_REPLICAS=1 (the hardest case: the restore must not wait for replicas that
// do not run yet, and the re-render must carry the setting over) and started as the README's "Start" says (`docker compose up -d --wait` in its
// directory, so the project is named after the directory), data and roles created; then the fenced
// shell block of the rendered README.md's "Upgrade to a new major" section is extracted from the
// markdown and run with bash in the bundle directory, on the rig's DOCKER_HOST, with `pg-ha-init`
// on PATH (this repository's CLI). The only edit is the one placeholder the README tells the
// reader to fill in ("set NEW_MAJOR first"), made below in plain sight. Afterwards: the data and
// roles are on the PostgreSQL 18 primary, both replicas cloned it and stream, and the old
// PostgreSQL 15 volumes are still there (the way back).
//
// The reverse direction (a PostgreSQL 18 volume under a bundle re-rendered for 15: refused,
// nothing changed) is major-change.test.ts's 18 -> 15 case, not repeated here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, type Variant } from './support/matrix.js';
import { Project } from './support/project.js';
import { run, waitFor } from './support/process.js';
import { docker, REPO, requireImage, rig } from './support/rig.js';
import { psql, scenario, waitStreaming, type Node } from './support/scenario.js';

const VARIANT: Variant = { major: 15, engine: 'v2' };
const NEW_MAJOR = 18;

/** The fenced code blocks of one `## ` section of a markdown document, with their info strings. */
function fencedBlocks(markdown: string, heading: string): { lang: string; code: string }[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const blocks: { lang: string; code: string }[] = [];
  let open: { fence: string; lang: string; body: string[] } | undefined;
  for (const line of lines.slice(start + 1)) {
    if (!open && /^#{1,2} /.test(line)) break; // the next section
    const fence = /^ {0,3}(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (!open && fence) {
      open = { fence: fence[1] as string, lang: fence[2] as string, body: [] };
    } else if (open && line.trim().startsWith(open.fence) && line.trim().replace(/[`~]/g, '') === '') {
      blocks.push({ lang: open.lang, code: open.body.join('\n') });
      open = undefined;
    } else if (open) {
      open.body.push(line);
    }
  }
  return blocks;
}

/** A directory name -> the project name Compose derives from it (lower case, [a-z0-9_-] kept). */
function composeProjectName(dir: string): string {
  return basename(dir).toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

test(`the README's "Upgrade to a new major", run as written: 15 -> ${NEW_MAJOR}, data, roles and replicas on the new major, old volumes kept [${describe(VARIANT)}]`, { timeout: 600_000 }, async (t) => {
  await requireImage(NEW_MAJOR);
  await scenario(t, `README upgrade 15 -> ${NEW_MAJOR}`, VARIANT, async (s) => {
    const { bundle, primary: renderedPrimary } = await s.stack('upgrade', { REPLICA_COUNT: '2', SYNC_REPLICAS: '1' });
    // As a user does it: no -p, the project is the directory's name (the README's commands have no -p either).
    const old = new Project(composeProjectName(bundle.dir), bundle.dir, 'v2');
    const newDir = `${bundle.dir}-pg${NEW_MAJOR}`;
    const next = new Project(composeProjectName(newDir), newDir, 'v2');
    s.projects.push(old, next); // taken down (with their volumes) after the test
    t.after(() => { if (!process.env.PG_HA_E2E_KEEP) rmSync(newDir, { recursive: true, force: true }); });
    const user = renderedPrimary.user;
    const oldPrimary: Node = { project: old, service: 'primary', user };
    const newPrimary: Node = { project: next, service: 'primary', user };

    // `pg-ha-init` on PATH, as an installed CLI would be: this repository's src/cli.ts.
    const binDir = s.tmp('upgrade-bin');
    mkdirSync(join(binDir, 'bin'));
    writeFileSync(join(binDir, 'bin', 'pg-ha-init'), `#!/bin/sh\nexec "${REPO}/node_modules/.bin/tsx" "${REPO}/src/cli.ts" "$@"\n`);
    chmodSync(join(binDir, 'bin', 'pg-ha-init'), 0o755);

    let before = '';
    let roles = '';
    await s.steps([
      ['the PostgreSQL 15 stack up, data and roles written', async () => {
        await s.time('up --wait (15)', () => old.up([], ['--wait']));
        await psql(oldPrimary, `
          CREATE ROLE app LOGIN PASSWORD 'app-secret-1';
          CREATE ROLE reporting LOGIN PASSWORD 'reporting-secret-2' IN ROLE app;
          CREATE DATABASE appdb OWNER app;`);
        await old.psql('primary', `
          CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL);
          INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 5000) g;
          ALTER TABLE orders OWNER TO app;
          GRANT SELECT ON orders TO reporting;`, { user, db: 'appdb' });
        before = await old.psql('primary', "SELECT count(*) || ':' || md5(string_agg(id || item, ',' ORDER BY id)) FROM orders;", { user, db: 'appdb' });
        roles = await psql(oldPrimary, "SELECT string_agg(rolname || '=' || rolpassword, ',' ORDER BY rolname) FROM pg_authid WHERE rolname IN ('app', 'reporting');");
        assert.equal(await psql(oldPrimary, 'SHOW server_version_num;').then((v) => v.slice(0, 2)), '15');
      }],
      ['the README\'s upgrade block, run with bash in the bundle directory', async () => {
        const readme = bundle.read('README.md');
        const blocks = fencedBlocks(readme, 'Upgrade to a new major');
        assert.equal(blocks.length, 1, 'one shell block in the stack README\'s upgrade section');
        const [block] = blocks as [{ lang: string; code: string }];
        assert.equal(block.lang, 'sh');
        // The README: "set `NEW_MAJOR` first". The one placeholder filled in, nothing else touched.
        assert.match(readme, /set `NEW_MAJOR` first/);
        assert.equal(block.code.match(/^NEW_MAJOR=.*$/gm)?.length, 1);
        const script = block.code.replace(/^NEW_MAJOR=.*$/m, `NEW_MAJOR=${NEW_MAJOR}`);
        console.log(`--- the README's upgrade block, as run:\n${script}\n---`);
        const { env } = await rig();
        const r = await s.time('the upgrade block (bash)', () => run('bash', ['-e', '-c', script], {
          cwd: bundle.dir, env: { ...env, PATH: `${join(binDir, 'bin')}:${env.PATH}` }, check: false, timeoutMs: 420_000,
        }));
        console.log(`--- exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
        assert.equal(r.code, 0, `the README's upgrade block failed:\n${r.stderr}`);
        // The restore's only errors are the ones the README announces.
        for (const line of r.stderr.split('\n').filter((l) => /ERROR/.test(l))) {
          assert.match(line, /role "(postgres|replicator)" already exists/, line);
        }
      }],
      [`data and roles on the PostgreSQL ${NEW_MAJOR} primary`, async () => {
        assert.equal((await psql(newPrimary, 'SHOW server_version_num;')).slice(0, 2), String(NEW_MAJOR));
        assert.equal(await next.psql('primary', "SELECT count(*) || ':' || md5(string_agg(id || item, ',' ORDER BY id)) FROM orders;", { user, db: 'appdb' }), before);
        assert.equal(await psql(newPrimary, "SELECT string_agg(rolname || '=' || rolpassword, ',' ORDER BY rolname) FROM pg_authid WHERE rolname IN ('app', 'reporting');"), roles,
          'the roles and their password hashes came across');
        assert.equal(await next.psql('primary', "SELECT pg_has_role('reporting', 'app', 'member')::text || has_table_privilege('reporting', 'orders', 'SELECT')::text;", { user, db: 'appdb' }), 'truetrue');
      }],
      ['the replicas cloned it and stream', async () => {
        const refs = ['replica1', 'replica2'].map((name) => ({ node: { project: next, service: name, user }, name }));
        await waitStreaming(newPrimary, refs);
        // A synchronous commit: it returns only once a replica of the new stack confirmed it.
        await next.psql('primary', "INSERT INTO orders VALUES (5001, 'after the upgrade');", { user, db: 'appdb' });
        assert.match(await psql(newPrimary, 'SHOW synchronous_standby_names;'), /^ANY 1 \(/, 'SYNC_REPLICAS=1 came across');
        assert.equal(await psql(newPrimary, "SELECT string_agg(sync_state, ',' ORDER BY application_name) FROM pg_stat_replication;"), 'quorum,quorum');
        for (const { node } of refs) {
          await waitFor(async () => ((await next.psql(node.service, 'SELECT count(*) FROM orders;', { user, db: 'appdb' })) === '5001' ? true : undefined),
            { timeoutMs: 30_000, intervalMs: 300, what: `${node.service}: 5001 rows` });
          assert.equal((await psql(node, 'SHOW server_version_num;')).slice(0, 2), String(NEW_MAJOR));
        }
      }],
      ['the old volumes are still there (the way back)', async () => {
        const r = await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${old.name}`]);
        assert.deepEqual(r.stdout.trim().split('\n').sort(), ['primary-data', 'replica1-data', 'replica2-data'].map((v) => `${old.name}_${v}`));
        const states = await old.states(['primary', 'replica1', 'replica2']);
        assert.deepEqual(states.map((x) => x.status), ['exited', 'exited', 'exited'], 'the old stack is stopped, not removed');
      }],
    ]);
  });
});
