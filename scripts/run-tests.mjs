#!/usr/bin/env node
// The one test command (`npm test`). It checks prerequisites first and fails loudly, never skips:
// a missing PostgreSQL or shellcheck would otherwise turn the real-component tests into no-ops.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const suites = process.argv.slice(2);
const wanted = suites.length > 0 ? suites : ['unit', 'e2e'];

const prerequisites = [
  { ok: () => ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup', 'pg_receivewal', 'pg_isready', 'psql'].every((b) => existsSync(join(PG_BIN, b))),
    hint: `PostgreSQL server binaries not found in ${PG_BIN}. Install them: apt-get update && apt-get install -y postgresql-15 (or set PG_BIN).` },
  { ok: () => onPath('shellcheck'), hint: 'shellcheck not found. Install it: apt-get install -y shellcheck' },
  { ok: () => onPath('docker-compose'), hint: 'docker-compose (v1.29) not found; it parses env and compose files in the tests. Install it: apt-get install -y docker-compose' },
];

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

const missing = prerequisites.filter((p) => !p.ok());
if (missing.length > 0) {
  for (const m of missing) console.error(`test prerequisite missing: ${m.hint}`);
  process.exit(1);
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

// e2e: real PostgreSQL on loopback; docker: the real Docker engine rig. Unit: everything else.
const groups = {
  unit: testFiles('test').filter((f) => !f.startsWith(join('test', 'e2e'))),
  e2e: testFiles(join('test', 'e2e')),
};
const files = wanted.flatMap((g) => {
  if (!(g in groups)) { console.error(`unknown suite "${g}" (use: ${Object.keys(groups).join(', ')})`); process.exit(2); }
  return groups[g];
}).sort();

if (files.length === 0) { console.error('no test files found'); process.exit(1); }
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
