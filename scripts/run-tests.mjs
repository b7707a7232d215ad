#!/usr/bin/env node
// The one test command (`npm test`). Three suites, each checking only its own prerequisites, and
// failing loudly (never skipping) when one is missing: a missing PostgreSQL or shellcheck would
// otherwise turn the real-component tests into no-ops.
//   unit    Node alone (and the npm packages): every test that runs no server and no shell tool
//   e2e     test/e2e/** (any depth) and test/entrypoint/**: real PostgreSQL 15, bash, shellcheck,
//           docker-compose 1.29 as a parser, the docker CLI (no daemon), tmux, patch, script, npm
//   docker  test/e2e-docker/**: the generated bundles on a real Docker engine (test/docker/rig.sh)
//   npm test                 typecheck, then every suite
//   npm test -- unit e2e     only those suites (the typecheck runs with unit)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SUITES = ['unit', 'e2e', 'docker'];
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : SUITES;
const unknown = wanted.filter((s) => !SUITES.includes(s));
if (unknown.length > 0) { console.error(`unknown suite ${unknown.join(', ')} (use: ${SUITES.join(', ')})`); process.exit(2); }

// `command -v` through the shell would need a shell: look through PATH directly.
const onPath = (bin) => (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, bin)));
const tool = (bin, hint) => ({ ok: () => onPath(bin), hint: `${bin} not found; ${hint}` });
const postgres = {
  ok: () => ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup', 'pg_receivewal', 'pg_isready', 'psql'].every((b) => existsSync(join(PG_BIN, b))),
  hint: `PostgreSQL server binaries not found in ${PG_BIN}. Install them: apt-get update && apt-get install -y postgresql-15 (or set PG_BIN).`,
};
const dockerCompose = tool('docker-compose', 'the tests parse env and compose files with it (v1.29). Install it: apt-get install -y docker-compose');
const PREREQUISITES = {
  unit: [],
  e2e: [
    postgres,
    tool('bash', 'the entrypoint is a bash program. Install it: apt-get install -y bash'),
    tool('shellcheck', 'Install it: apt-get install -y shellcheck'),
    dockerCompose,
    tool('docker', 'preflight is tested with the real docker CLI against a daemon that is not there. Install the CLI: apt-get install -y docker.io'),
    tool('tmux', 'the wizard runs in a real pseudo-terminal through it. Install it: apt-get install -y tmux'),
    tool('patch', 'it applies --check diffs in the tests. Install it: apt-get install -y patch'),
    tool('script', 'the bundled wizard runs on a pseudo-terminal through it. Install it: apt-get install -y util-linux'),
    tool('npm', 'npm pack and npx -p node@18 (a real old Node) test the package. It comes with Node.js.'),
  ],
  // The rig (test/docker/rig.sh) brings its own dockerd; the tests drive it with docker-compose v1.
  docker: [tool('bash', 'test/docker/rig.sh is a bash program'), dockerCompose],
};
const missing = [...new Set(wanted.flatMap((suite) => PREREQUISITES[suite]))].filter((p) => !p.ok());
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

const under = (...dirs) => (f) => dirs.some((dir) => f.startsWith(join('test', dir) + '/'));
const all = testFiles('test');
// test/entrypoint/ runs bash and shellcheck: e2e until its tests move under test/e2e/entrypoint/.
const isE2e = under('e2e', 'entrypoint');
const isDocker = under('e2e-docker');
const groups = {
  unit: all.filter((f) => !isE2e(f) && !isDocker(f)),
  e2e: all.filter(isE2e),
  docker: all.filter(isDocker),
};

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  return result.status ?? 1;
}

// tsc through node itself, not npx: the unit suite needs nothing but node.
if (wanted.includes('unit') && run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.check.json']) !== 0) {
  console.error('typecheck failed');
  process.exit(1);
}

let status = 0;
for (const suite of wanted) {
  const files = groups[suite];
  if (files.length === 0) { console.error(`suite ${suite}: no test files found`); status = 1; continue; }
  console.log(`\n# suite: ${suite} (${files.length} files)`);
  // Docker scenarios share one engine and host ports: one file at a time by default. Two at once
  // (PG_HA_DOCKER_CONCURRENCY=2) is faster but not yet safe: freePorts() only knows the ports its
  // own process handed out, so two files can pick the same one (seen: "port is already allocated").
  const concurrency = suite === 'docker' ? Number(process.env.PG_HA_DOCKER_CONCURRENCY ?? 1) : 2;
  const code = run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files]);
  if (code !== 0) status = code;
  // The docker tests start the rig's private dockerd on demand; stop it (its image cache stays).
  if (suite === 'docker') run('bash', ['test/docker/rig.sh', 'down']);
}
process.exit(status);
