// The bundle users get from npm (scripts/build.mjs -> dist/), run as its own process from a
// directory with no node_modules: it must behave byte for byte like the source it was built from
// (the tsx path every other test runs), load neither the prompts library nor execa unless asked,
// and import nothing but node builtins and its own chunks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import Runtime from 'handlebars/runtime';
import { externalImports, isBuiltin, outputsContaining, PRECOMPILE_OPTIONS, readTemplates, templatesModuleSource } from '../../scripts/build.mjs';
import { listTemplates, TEMPLATE_ROOT } from '../../src/render/templates.js';
import { runCli } from '../support/cli.js';
import { snapshotTree } from '../support/tree.js';
import { buildPackage, cleanEnv, loadedFiles, TRACER, type BuiltPackage } from './support.js';

let pkg: BuiltPackage;
let work: string;
before(async () => {
  pkg = await buildPackage();
  work = mkdtempSync(join(tmpdir(), 'pg-ha-init-bundle-'));
});
after(() => {
  pkg?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The tree without the secret files (generated anew on every run), and stdout with its paths made relative. */
const withoutSecrets = (tree: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(tree).filter(([path]) => !path.startsWith('secrets/') || path === 'secrets/'));
const relativeOut = (text: string, out: string): string => text.split(out).join('<out>');

describe('the bundled CLI behaves as the source does', () => {
  test('--version and --help', () => {
    const version = pkg.run(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, `${(JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    assert.equal(version.stdout, runCli(['--version']).stdout);
    const help = pkg.run(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.equal(help.stdout, runCli(['--help']).stdout);
  });

  test('--stack writes the same files, modes and contents (the generated secrets aside)', () => {
    const [bundled, source] = [join(work, 'stack-bundle'), join(work, 'stack-source')];
    const b = pkg.run(['--stack', '--replicas', '3', '--out', bundled]);
    const s = runCli(['--stack', '--replicas', '3', '--out', source]);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(s.status, 0, s.stderr);
    assert.equal(relativeOut(b.stdout, bundled), relativeOut(s.stdout, source));
    const [bTree, sTree] = [snapshotTree(bundled), snapshotTree(source)];
    assert.deepEqual(withoutSecrets(bTree), withoutSecrets(sTree));
    assert.deepEqual(Object.keys(bTree), Object.keys(sTree), 'the same secret files');
    assert.ok(Object.keys(bTree).some((p) => p.startsWith('entrypoint/entrypoint.d/')), 'the entrypoint steps are there');
  });

  test('--from-env writes byte-identical files, secrets included when they are given', () => {
    for (const role of ['primary', 'replica']) {
      const env = {
        HA_MODE: 'native', REPLICATION_ROLE: role, PRIMARY_HOST: 'db-1.internal', REPLICATION_PASSWORD: `r "p'w $x`, POSTGRES_PASSWORD: 'su-pass\\word',
        REPLICATION_CIDR: '10.1.0.0/16', PG_MAJOR: '16', REPLICA_NAME: 'replica_7',
      };
      const [bundled, source] = [join(work, `${role}-bundle`), join(work, `${role}-source`)];
      const b = pkg.run(['--from-env', '--out', bundled], env);
      const s = runCli(['--from-env', '--out', source], env);
      assert.equal(b.status, 0, b.stderr);
      assert.equal(s.status, 0, s.stderr);
      assert.equal(relativeOut(b.stdout, bundled), relativeOut(s.stdout, source));
      assert.deepEqual(snapshotTree(bundled), snapshotTree(source));
      // And each reads the other's output as its own: --check agrees, both ways.
      assert.equal(pkg.run(['--from-env', '--check', '--out', source], env).status, 0);
      assert.equal(runCli(['--from-env', '--check', '--out', bundled], env).status, 0);
    }
  });

  test('--from-env --dry-run and --json print the same', () => {
    const env = { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw-1', POSTGRES_PASSWORD: 'pw-2' };
    const out = join(work, 'never-written');
    for (const args of [['--from-env', '--dry-run', '--out', out], ['--from-env', '--json', '--out', out]]) {
      const b = pkg.run(args, env);
      assert.equal(b.status, 0, b.stderr);
      assert.equal(b.stdout, runCli(args, env).stdout, args.join(' '));
    }
  });

  test('invalid settings: the same messages (zod, bundled) and exit code', () => {
    const env = { HA_MODE: 'native', REPLICATION_ROLE: 'replica', USE_PATRONI: '1', PRIMARY_PORT: '0', REPLICATION_USER: 'pg_bad' };
    const b = pkg.run(['--from-env', '--out', join(work, 'invalid')], env);
    const s = runCli(['--from-env', '--out', join(work, 'invalid')], env);
    assert.equal(b.status, 2);
    assert.deepEqual([b.status, b.stdout, b.stderr], [s.status, s.stdout, s.stderr]);
    assert.deepEqual(snapshotTree(join(work, 'invalid')), {});
  });
});

describe('what the bundle loads', () => {
  test('it imports only node builtins and its own files', async () => {
    // What the build recorded (every import, dynamic import and require() it left in)...
    const externals = externalImports(pkg.metafile);
    assert.ok(externals.some((s) => s === 'node:fs'), 'the metafile lists the imports');
    assert.deepEqual(externals.filter((s) => !isBuiltin(s)), []);
    // ...and, independently, the shipped files read back: every import they make.
    const seen = new Set<string>();
    await esbuild.build({
      entryPoints: [join(pkg.dist, 'cli.js')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'silent',
      plugins: [{ name: 'record', setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point' || args.path.startsWith('./') || args.path.startsWith('../')) return undefined;
          seen.add(args.path);
          return { path: args.path, external: true };
        });
      } }],
    });
    assert.ok(seen.has('node:module'));
    assert.deepEqual([...seen].filter((s) => !isBuiltin(s)), []);
  });

  test('--help, --version, --from-env --dry-run and --stack load neither @inquirer/prompts nor execa', () => {
    const prompts = outputsContaining(pkg.metafile, pkg.dist, '@inquirer/core');
    const execa = outputsContaining(pkg.metafile, pkg.dist, 'execa');
    assert.equal(prompts.length, 1, `one chunk holds the prompts: ${prompts.join(', ')}`);
    assert.equal(execa.length, 1, `one chunk holds execa: ${execa.join(', ')}`);
    assert.ok(!prompts.includes('cli.js') && !execa.includes('cli.js'));
    const env = { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw-1' };
    const runs: [string, string[], Record<string, string>][] = [
      ['--help', ['--help'], {}],
      ['--version', ['--version'], {}],
      ['--from-env --dry-run', ['--from-env', '--dry-run', '--out', join(work, 'lazy-dry')], env],
      ['--stack', ['--stack', '--out', join(work, 'lazy-stack')], {}],
    ];
    for (const [name, args, extra] of runs) {
      const loaded = pkg.loads(args, extra);
      assert.ok(loaded.includes('cli.js'), `${name}: the trace saw the bundle load (${loaded.join(', ')})`);
      assert.deepEqual(loaded.filter((f) => prompts.includes(f) || execa.includes(f)), [], `${name} loaded ${loaded.join(', ')}`);
    }
  });

  test('--help and --version load neither the config model (zod), the renderer (handlebars) nor the templates', () => {
    const outputsWith = (input: string): string[] => Object.entries(pkg.metafile.outputs)
      .filter(([, output]) => Object.keys(output.inputs).some((path) => path.includes(input)))
      .map(([path]) => path.slice(path.indexOf('/dist/') + '/dist/'.length));
    const heavy = [...outputsWith('node_modules/zod/'), ...outputsWith('node_modules/handlebars/'), ...outputsWith('pg-ha-init:templates'), ...outputsWith('src/config/model.ts')];
    const render = pkg.loads(['--from-env', '--dry-run', '--out', join(work, 'heavy-dry')], { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw-1' });
    assert.ok(render.some((f) => heavy.includes(f)), `a render loads them: ${heavy.join(', ')} among ${render.join(', ')}`);
    for (const args of [['--help'], ['--version']]) {
      const loaded = pkg.loads(args);
      assert.deepEqual(loaded.filter((f) => heavy.includes(f)), [], `${args[0]} loaded ${loaded.join(', ')}`);
    }
  });
});

describe('templates inside the bundle', () => {
  test('every file of templates/ is embedded byte for byte, with its mode, in the order the source reads them', async () => {
    const file = join(work, 'templates.generated.mjs');
    writeFileSync(file, templatesModuleSource());
    const { PG_HA_INIT_TEMPLATES: embedded } = (await import(pathToFileURL(file).href)) as {
      PG_HA_INIT_TEMPLATES: { path: string; mode: number; executable: boolean; source: string; spec?: unknown }[];
    };
    const onDisk = readTemplates();
    assert.deepEqual(embedded.map((t) => t.path), onDisk.map((t) => t.path));
    for (const [i, t] of embedded.entries()) {
      assert.ok(Buffer.from(t.source, 'utf8').equals(onDisk[i]!.bytes), t.path);
      assert.equal(t.mode, onDisk[i]!.mode, t.path);
      assert.equal(t.spec !== undefined, t.path.endsWith('.hbs'), `${t.path}: precompiled iff .hbs`);
    }
    assert.deepEqual(embedded.map(({ path, source, executable }) => ({ path, source, executable })), listTemplates(TEMPLATE_ROOT));
    assert.ok(embedded.some((t) => t.path === 'entrypoint/entrypoint.sh' && (t.mode & 0o111) !== 0));
  });

  test('precompiled strict and without HTML escaping; the runtime alone renders them', async () => {
    assert.deepEqual({ ...PRECOMPILE_OPTIONS }, { strict: true, noEscape: true });
    const source = templatesModuleSource();
    assert.doesNotMatch(source, /escapeExpression/, 'noEscape: no value goes through the HTML escaper');
    const file = join(work, 'templates-strict.generated.mjs');
    writeFileSync(file, source);
    const { PG_HA_INIT_TEMPLATES: embedded } = (await import(pathToFileURL(file).href)) as { PG_HA_INIT_TEMPLATES: { path: string; spec?: unknown }[] };
    const env = Runtime.create();
    const spec = embedded.find((t) => t.path === 'config/pg_hba.conf.hbs')!.spec as Parameters<typeof env.template>[0];
    assert.throws(() => env.template(spec)({}), /not defined/, 'strict: a missing field throws');
  });
});
