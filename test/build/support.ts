// The published package as npm ships it, built into a temporary directory: bin/, dist/ (built by
// scripts/build.mjs) and package.json, and no node_modules anywhere above it, so anything the
// bundle still imports from a package fails to load here.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { build, ROOT } from '../../scripts/build.mjs';
import type { CliRun } from '../support/cli.js';

export const TRACER = fileURLToPath(new URL('./trace-loads.mjs', import.meta.url));

export interface BuiltPackage {
  dir: string;
  bin: string;
  dist: string;
  metafile: Metafile;
  /** Runs the shipped command as a user does: its own process, a clean environment. */
  run(args: string[], env?: Record<string, string>, nodeArgs?: string[]): CliRun;
  /** The files of dist/ (relative to it) that the ES loader loaded while running `args`. */
  loads(args: string[], env?: Record<string, string>): string[];
  remove(): void;
}

/** What bin/pg-ha-init.js says on a Node that is too old; group 1 is the version it saw. */
export const TOO_OLD = /^pg-ha-init needs Node\.js 20\.19 or newer; this is Node\.js (\S+)\.\nInstall a current LTS release from https:\/\/nodejs\.org\//;

export const cleanEnv = (env: Record<string, string> = {}): Record<string, string> =>
  ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...env });

export async function buildPackage(): Promise<BuiltPackage> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-ha-init-pkg-'));
  const dist = join(dir, 'dist');
  const { metafile } = await build({ outdir: dist });
  mkdirSync(join(dir, 'bin'));
  const bin = join(dir, 'bin', 'pg-ha-init.js');
  copyFileSync(join(ROOT, 'bin', 'pg-ha-init.js'), bin);
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  let traces = 0;
  const run = (args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): CliRun => {
    const result = spawnSync(process.execPath, [...nodeArgs, bin, ...args], { cwd: dir, encoding: 'utf8', env: cleanEnv(env) });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  return {
    dir, bin, dist, metafile, run,
    loads(args, env = {}) {
      const trace = join(dir, `trace-${traces++}`);
      const result = run(args, { ...env, PG_HA_INIT_TRACE: trace }, ['--import', TRACER]);
      if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
      return loadedFiles(trace, dist);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The files under `root` named in a trace written by trace-loads.mjs. */
export function loadedFiles(trace: string, root: string): string[] {
  return readFileSync(trace, 'utf8').trim().split('\n').filter(Boolean)
    .map((url) => relative(root, fileURLToPath(url))).filter((path) => !path.startsWith('..'));
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `argv` on a pseudo-terminal (util-linux `script`) and resolves with the milliseconds from
 * spawn until `marker` shows in its output; the program is killed then.
 */
export function untilOnTerminal(argv: string[], marker: string, env: Record<string, string>, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('script', ['-qfec', argv.map(quote).join(' '), '/dev/null'],
      { env: { TERM: 'xterm-256color', ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let seen = '';
    const stop = (): void => {
      clearTimeout(timer);
      // No pid: `script` never started. kill(-0) would kill this very process group.
      if (child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    };
    const timer = setTimeout(() => { stop(); reject(new Error(`"${marker}" did not show within ${timeoutMs} ms; the terminal showed: ${seen.slice(-500)}`)); }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (!seen.includes(marker)) return;
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      stop();
      resolve(elapsed);
    });
    child.on('error', (error) => { stop(); reject(error); });
  });
}
