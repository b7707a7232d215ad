// What npm ships, and the bin shim that starts it: a Node that is too old gets a clear message
// instead of a SyntaxError from deep inside the bundle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../../scripts/build.mjs';
import { tempDir } from '../support/tmp.js';
import { buildPackage, type BuiltPackage } from './support.js';

const TOO_OLD = /^pg-ha-init needs Node\.js 20\.19 or newer; this is Node\.js (\S+)\.\nInstall a current LTS release from https:\/\/nodejs\.org\//;

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

  test('a real Node 18 (npx -p node@18) gets the message', () => {
    const run = spawnSync('npx', ['-y', '-p', 'node@18', 'node', pkg.bin, '--version'], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(run.status, 1, `npx -p node@18 failed to run the shim (no network?): ${run.stderr}`);
    assert.match(TOO_OLD.exec(run.stderr)?.[1] ?? '', /^18\./, run.stderr);
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

describe('the npm package', () => {
  test('ships only bin/, dist/, the README and package.json, and has no runtime dependencies', () => {
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as { files: { path: string }[] }[];
    const paths = info!.files.map((f) => f.path);
    assert.ok(paths.includes('bin/pg-ha-init.js') && paths.includes('package.json'), paths.join(', '));
    assert.deepEqual(paths.filter((p) => !/^(bin|dist)\//.test(p) && !/^(README\.md|package\.json|LICEN[CS]E(\.\w+)?)$/.test(p)), []);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) {
      assert.deepEqual(Object.keys(manifest[field] ?? {}), [], field);
    }
    assert.equal(manifest.scripts?.prepack, 'npm run build');
    assert.equal(manifest.scripts?.build, 'node scripts/build.mjs');
  });
});
