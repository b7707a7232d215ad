// The cluster library's runner over the engine, with a stand-in docker (the Compose v2 plugin is
// not installable here): the exact argv, psql's output passed through, a failure kept as such.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ENGINES } from '../../src/engine/engine.js';
import { composeNodeRunner } from '../../src/engine/node-runner.js';
import { tempDir } from '../support/tmp.js';
import { fakeBin } from './fake-bin.js';

test('sql(node, sql) is psql -X -A -t -v ON_ERROR_STOP=1 in that service\'s container, from the bundle directory', async (t) => {
  const outDir = tempDir(t);
  const log = join(tempDir(t), 'argv');
  const PATH = fakeBin(t, { docker: `pwd > '${log}'; printf '%s\\n' "$@" >> '${log}'; case "$4" in replica1) echo 'could not connect: No such file or directory' >&2; exit 2;; esac; echo '{"in_recovery":false}'` });
  const runner = composeNodeRunner(ENGINES['compose-v2'], 'postgres', { outDir, env: { PATH } });
  assert.deepEqual(await runner.sql('primary', 'select 1'), { ok: true, stdout: '{"in_recovery":false}', stderr: '' });
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [outDir, 'compose', 'exec', '-T', 'primary', 'psql', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', 'postgres', '-d', 'postgres', '-c', 'select 1']);
  const down = await runner.sql('replica1', 'select 1');
  assert.equal(down.ok, false);
  assert.match(down.stderr, /No such file or directory/);
});
