// Style gate for the bundled entrypoint: shellcheck-clean at every severity, following sourced
// files, and the conventions every script relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRYPOINT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../templates/entrypoint');

function shellScripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return shellScripts(path);
    return name.endsWith('.sh') ? [path] : [];
  }).sort();
}

const scripts = shellScripts(ENTRYPOINT_DIR);
const executables = ['entrypoint.sh', 'healthcheck.sh'].map((f) => join(ENTRYPOINT_DIR, f));

test('the bundled entrypoint has the files of the contract', () => {
  const expected = [
    'entrypoint.sh',
    'healthcheck.sh',
    'entrypoint.d/scripts/utils/log.sh',
    'entrypoint.d/scripts/utils/env.sh',
    'entrypoint.d/scripts/utils/node-env.sh',
    'entrypoint.d/scripts/utils/validation.sh',
    'entrypoint.d/scripts/utils/temp-server.sh',
    'entrypoint.d/scripts/init/01-major-version.sh',
    'entrypoint.d/scripts/init/02-database.sh',
    'entrypoint.d/scripts/init/03-config.sh',
    'entrypoint.d/scripts/init/04-replication.sh',
    'entrypoint.d/scripts/init/05-initdb-scripts.sh',
    'entrypoint.d/scripts/init/06-promotion.sh',
    'entrypoint.d/scripts/init/07-split-brain.sh',
  ];
  assert.deepEqual(scripts.map((s) => relative(ENTRYPOINT_DIR, s)).sort(), expected.sort());
});

test('shellcheck -x --severity=style is clean on every script', () => {
  // Run from the entrypoint directory: the `source=` directives are relative to it.
  const result = spawnSync('shellcheck', ['-x', '--severity=style', ...scripts.map((s) => relative(ENTRYPOINT_DIR, s))], {
    cwd: ENTRYPOINT_DIR,
    encoding: 'utf8',
  });
  assert.equal(result.error, undefined, `could not run shellcheck: ${String(result.error)}`);
  assert.equal(result.status, 0, `shellcheck found problems:\n${result.stdout}${result.stderr}`);
});

test('scripts are bash, strict where executed, and disable no check without saying why', () => {
  for (const script of scripts) {
    const text = readFileSync(script, 'utf8');
    const name = relative(ENTRYPOINT_DIR, script);
    if (executables.includes(script)) {
      assert.match(text, /^#!\/usr\/bin\/env bash\n/, `${name}: shebang`);
      assert.match(text, /^set -Eeuo pipefail$/m, `${name}: strict mode`);
      assert.equal(statSync(script).mode & 0o755, 0o755, `${name}: mode 0755`);
    } else {
      assert.match(text, /^# shellcheck shell=bash\n/, `${name}: sourced files declare their shell`);
    }
    for (const [index, line] of text.split('\n').entries()) {
      if (/shellcheck disable=/.test(line)) {
        const previous = text.split('\n')[index - 1] ?? '';
        assert.match(previous, /^\s*#/, `${name}:${index + 1}: a disable needs a comment saying why`);
      }
    }
    const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, `${name}: ${syntax.stderr}`);
  }
});
