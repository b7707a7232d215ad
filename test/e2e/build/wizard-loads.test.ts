// The bundle's wizard on a real pseudo-terminal (util-linux `script`): at its first question it
// has loaded the prompts chunk, but not execa.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { outputsContaining } from '../../../scripts/build.mjs';
import { buildPackage, cleanEnv, loadedFiles, TRACER, untilOnTerminal, type BuiltPackage } from '../../build/support.js';
import { tempDir } from '../../support/tmp.js';

let pkg: BuiltPackage;
before(async () => { pkg = await buildPackage(); });
after(() => pkg?.remove());

describe('what the bundle loads', () => {
  test('the wizard, at its first question, has loaded the prompts chunk but not execa', async (t) => {
    const work = tempDir(t);
    const prompts = outputsContaining(pkg.metafile, pkg.dist, '@inquirer/core');
    const execa = outputsContaining(pkg.metafile, pkg.dist, 'execa');
    const trace = join(work, 'wizard-trace');
    await untilOnTerminal([process.execPath, '--import', TRACER, pkg.bin, '--out', join(work, 'wizard')], 'What do you want to set up?',
      { ...cleanEnv(), PG_HA_INIT_TRACE: trace });
    const loaded = loadedFiles(trace, pkg.dist);
    assert.ok(loaded.some((f) => prompts.includes(f)), loaded.join(', '));
    assert.ok(!loaded.some((f) => execa.includes(f)), loaded.join(', '));
  });
});
