// With npm itself: a real Node 18 from the registry (npx -p node@18) runs the bin shim, and
// `npm pack` ships only the bundle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../../../scripts/build.mjs';
import { buildPackage, TOO_OLD, type BuiltPackage } from '../../build/support.js';


let pkg: BuiltPackage;
before(async () => { pkg = await buildPackage(); });
after(() => pkg?.remove());

describe('the bin shim', () => {
  test('a real Node 18 (npx -p node@18) gets the message', () => {
    const run = spawnSync('npx', ['-y', '-p', 'node@18', 'node', pkg.bin, '--version'], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(run.status, 1, `npx -p node@18 failed to run the shim (no network?): ${run.stderr}`);
    assert.match(TOO_OLD.exec(run.stderr)?.[1] ?? '', /^18\./, run.stderr);
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
