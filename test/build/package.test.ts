// The bin shim that starts the bundle: a Node that is too old gets a clear message instead of a
// SyntaxError from deep inside the bundle. A real Node 18 and what npm packs: test/e2e/build/npm.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../../scripts/build.mjs';
import { tempDir } from '../support/tmp.js';
import { buildPackage, TOO_OLD, type BuiltPackage } from './support.js';


let pkg: BuiltPackage;
before(async () => { pkg = await buildPackage(); });
after(() => pkg?.remove());

/** Node flags that make process.versions.node report `version` before the shim runs. */
const reporting = (version: string): string[] =>
  ['--import', `data:text/javascript,Object.defineProperty(process.versions,'node',{value:${JSON.stringify(version)}})`];

describe('the bin shim', () => {
  test('an older Node (process.versions.node reported as older) gets the message, exit 1, and the bundle is not loaded', () => {
    for (const version of ['18.20.8', '20.18.3', '16.0.0', '20.9.0']) {
      const trace = join(pkg.dir, `trace-old-${version}`);
      const run = pkg.run(['--version'], { PG_HA_INIT_TRACE: trace }, [...reporting(version), '--import', join(ROOT, 'test/build/trace-loads.mjs')]);
      assert.equal(run.status, 1, `${version}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.equal(TOO_OLD.exec(run.stderr)?.[1], version, run.stderr);
      assert.deepEqual(readFileSync(trace, 'utf8').trim().split('\n').filter((url) => url.includes('/dist/')), [], `${version}: nothing from dist/ loaded`);
    }
  });

  test('20.19 and newer run the bundle', () => {
    for (const version of ['20.19.0', '20.20.2', '22.0.0', '24.1.0']) {
      const run = pkg.run(['--version'], {}, reporting(version));
      assert.equal(run.status, 0, `${version}: ${run.stderr}`);
      assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
    }
  });

  test('without its bundle (a source checkout before npm run build) it says how to build', (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'pg-ha-init.js'), join(dir, 'bin', 'pg-ha-init.js'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const run = spawnSync(process.execPath, [join(dir, 'bin', 'pg-ha-init.js'), '--version'], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /cannot load its bundle .*npm run build/);
  });
});
