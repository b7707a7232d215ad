#!/usr/bin/env node
// The one test command (`npm test`). It checks prerequisites first and fails loudly, never skips:
// a missing PostgreSQL or shellcheck would otherwise turn the real-component tests into no-ops.
//   npm test                 typecheck, then every suite: unit, e2e (real PostgreSQL), docker
//   npm test -- unit e2e     only those suites
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SUITES = ['unit', 'e2e', 'docker'];
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : SUITES;
const unknown = wanted.filter((s) => !SUITES.includes(s));
if (unknown.length > 0) { console.error(`unknown suite ${unknown.join(', ')} (use: ${SUITES.join(', ')})`); process.exit(2); }

const onPath = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const prerequisites = [
  { ok: () => ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup', 'pg_receivewal', 'pg_isready', 'psql'].every((b) => existsSync(join(PG_BIN, b))),
    hint: `PostgreSQL server binaries not found in ${PG_BIN}. Install them: apt-get update && apt-get install -y postgresql-15 (or set PG_BIN).` },
  { ok: () => onPath('shellcheck'), hint: 'shellcheck not found. Install it: apt-get install -y shellcheck' },
  { ok: () => onPath('docker-compose'), hint: 'docker-compose (v1.29) not found; the tests parse env and compose files with it. Install it: apt-get install -y docker-compose' },
  { ok: () => onPath('tmux'), hint: 'tmux not found; the wizard runs in a real pseudo-terminal through it. Install it: apt-get install -y tmux' },
  { ok: () => onPath('patch'), hint: 'patch not found; it applies --check diffs in the tests. Install it: apt-get install -y patch' },
];
const missing = prerequisites.filter((p) => !p.ok());
if (missing.length > 0) {
  for (const m of missing) console.error(`test prerequisite missing: ${m.hint}`);
  process.exit(1);
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const isSuite = (prefix) => (f) => f.startsWith(join('test', prefix) + '/');
const all = testFiles('test');
const groups = {
  unit: all.filter((f) => !isSuite('e2e')(f) && !isSuite('e2e-docker')(f)),
  e2e: all.filter(isSuite('e2e')),
  docker: all.filter(isSuite('e2e-docker')),
};

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  return result.status ?? 1;
}

if (wanted.includes('unit') && run('npx', ['tsc', '-p', 'tsconfig.check.json']) !== 0) {
  console.error('typecheck failed');
  process.exit(1);
}

let status = 0;
for (const suite of wanted) {
  const files = groups[suite];
  if (files.length === 0) { console.error(`suite ${suite}: no test files found`); status = 1; continue; }
  console.log(`\n# suite: ${suite} (${files.length} files)`);
  // Docker scenarios share one engine and host ports: one file at a time.
  const concurrency = suite === 'docker' ? 1 : 2;
  const code = run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files]);
  if (code !== 0) status = code;
  // The docker tests start the rig's private dockerd on demand; stop it (its image cache stays).
  if (suite === 'docker') run('bash', ['test/docker/rig.sh', 'down']);
}
process.exit(status);
