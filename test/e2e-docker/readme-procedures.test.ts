// The generated README's procedures, run exactly as written: the fenced shell blocks of its
// "Start", "Verify replication", "Promote a replica", "Point the other replicas" and "When the
// primary is lost" (after a kill -9 of the primary) sections are
// extracted from the rendered README.md and run line by line with bash in the bundle directory
// (the user's working directory), with `pg-ha-init` on PATH as this checkout's CLI. After each
// section the cluster must have exactly one writable node. The "Start" block lists one line per
// Compose engine: the line of the variant's engine runs. Compose's default project name is the
// directory's name, so the bundle lives in a directory named like the project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderBundle } from './support/bundle.js';
import { describe, engineCommand, type Variant } from './support/matrix.js';
import { run } from './support/process.js';
import { Project } from './support/project.js';
import { freePorts, REPO } from './support/rig.js';
import { scenario } from './support/scenario.js';

const VARIANT: Variant = { major: 18, engine: 'v2' };

/** The fenced ```sh blocks of one `## Heading` section, as lists of command lines (comments kept: bash ignores them). */
export function sectionCommands(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has no "## ${heading}"`);
  const rest = readme.slice(start + heading.length + 5);
  const end = rest.search(/\n## /u);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/gu)].flatMap((m) => (m[1] ?? '').split('\n').filter((l) => l.trim() !== ''));
}

test(`the README's procedures, run as written [${describe(VARIANT)}]`, { timeout: 600_000, skip: process.env.PG_HA_E2E_ENGINES && !process.env.PG_HA_E2E_ENGINES.includes('v2') ? 'v2 not selected' : false }, async (t) => {
  await scenario(t, 'README procedures', VARIANT, async (s) => {
    const name = `pgha-readme-${Math.random().toString(36).slice(2, 7)}`;
    const dir = join(s.tmp('readme'), name);
    mkdirSync(dir);
    const port = await freePorts(3);
    const bundle = renderBundle(dir, 'stack', { PG_MAJOR: String(VARIANT.major), PRIMARY_PORT: String(port) });
    const project = new Project(name, dir, VARIANT.engine);
    s.projects.push(project);
    const bin = s.tmp('bin');
    // tsx resolved from this checkout: the user's working directory is the bundle.
    writeFileSync(join(bin, 'pg-ha-init'), `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${join(REPO, 'src/cli.ts')}" "$@"\n`);
    chmodSync(join(bin, 'pg-ha-init'), 0o755);
    const env = { ...s.rig.env, PATH: `${bin}:${s.rig.env.PATH ?? ''}`, NO_COLOR: '1' };

    const runSection = async (heading: string, pick: (line: string) => boolean = () => true): Promise<string> => {
      const lines = sectionCommands(bundle.read('README.md'), heading).filter(pick);
      assert.ok(lines.length > 0, `${heading}: no command`);
      let out = '';
      for (const line of lines) {
        const r = await run('bash', ['-Eeuo', 'pipefail', '-c', line], { cwd: dir, env, timeoutMs: 300_000, check: false });
        out += `$ ${line}\n${r.stdout}${r.stderr}`;
        // A line the README marks "# ERROR: ..." shows a refusal: it must fail.
        if (/#\s*ERROR/u.test(line)) assert.notEqual(r.code, 0, `${heading}: \`${line}\` should fail`);
        else assert.equal(r.code, 0, `${heading}: \`${line}\` failed:\n${r.stdout}\n${r.stderr}`);
      }
      s.metric(`README "${heading}": commands run`, lines.length);
      return out;
    };
    const writable = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const service of ['primary', 'replica1', 'replica2']) {
        if ((await project.psql(service, 'SELECT pg_is_in_recovery();', { allowFail: true })) === 'f') out.push(service);
      }
      return out;
    };

    await s.steps([
      ['Start', async () => {
        await runSection('Start', (l) => l.startsWith(`${engineCommand(VARIANT.engine)} `));
        await project.waitHealthy(['primary', 'replica1', 'replica2'], 180_000);
        assert.deepEqual(await writable(), ['primary']);
      }],
      ['Verify replication', async () => {
        const out = await runSection('Verify replication');
        assert.match(out, /replica1 .*streaming/);
        assert.match(out, /ERROR: {2}cannot execute INSERT in a read-only transaction/);
      }],
      ['Promote a replica (switchover to replica1)', async () => {
        const out = await runSection('Promote a replica');
        assert.match(out, /Dry run: would switch over from primary to replica1/);
        assert.match(out, /Switched over to replica1/);
        assert.deepEqual(await writable(), ['replica1']);
      }],
      ['Point the other replicas (as re-rendered after the switchover)', async () => {
        const out = await runSection('Point the other replicas');
        assert.match(out, /primary +\| streaming/);
        assert.match(out, /replica2 +\| streaming/);
        assert.deepEqual(await writable(), ['replica1']);
      }],
      ['Promote a replica again, as the re-rendered README now says (to replica1 is refused: it is the primary)', async () => {
        // The re-rendered README names the current primary and its first replica: the procedure moves on.
        const commands = sectionCommands(bundle.read('README.md'), 'Promote a replica');
        assert.ok(commands.some((c) => c.includes('--to primary ')), commands.join('\n'));
        await runSection('Promote a replica');
        assert.deepEqual(await writable(), ['primary']);
      }],
      ['When the primary is lost (killed): failover, then rejoin, as the README says', async () => {
        // The README as it is now (primary is the primary): the commands it names are run after the fault.
        const commands = sectionCommands(bundle.read('README.md'), 'When the primary is lost');
        assert.deepEqual(commands, ['pg-ha-init failover --yes', 'pg-ha-init rejoin primary --yes']);
        await run('docker', ['kill', '-s', 'KILL', await project.id('primary')], { env: s.rig.env });
        const out = await runSection('When the primary is lost');
        assert.match(out, /Failed over to replica\d/);
        assert.match(out, /primary rejoined replica\d/);
        const now = await writable();
        assert.equal(now.length, 1, out);
        assert.notEqual(now[0], 'primary');
        assert.equal(await project.psql('primary', 'SELECT status FROM pg_stat_wal_receiver;'), 'streaming');
      }],
    ]);
  });
});
