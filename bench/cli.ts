// What a user of `npx pg-ha-init` feels first: start-up time and install size of the published
// package (the bundle in dist/, built here by scripts/build.mjs), then the entrypoint's overhead.
//
//   npm run bench                      everything (the PostgreSQL parts need root and PG_BIN, as the e2e suite)
//   npm run bench -- --cli-only        only the CLI figures (a few seconds)
//   BENCH_RUNS=31 npm run bench        more runs per figure (default 15; the entrypoint benches: 5 each)
//
// Every time is the median of BENCH_RUNS runs, shown as a ratio against bare `node -e 0`, measured
// in the same loop (the runs are interleaved, so a busy machine slows both alike). Nothing here
// asserts: the targets of issue 5 are printed beside the figures, met or missed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, externalImports, isBuiltin, outputsContaining } from '../scripts/build.mjs';
import { cleanEnv, loadedFiles, TRACER, untilOnTerminal } from '../test/build/support.js';
import { median } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'pg-ha-init.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CLI_ONLY = process.argv.includes('--cli-only');
/** The wizard's first question (src/wizard/steps/topology.ts). */
const FIRST_QUESTION = 'What do you want to set up?';
const NODE = process.execPath;

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

// ---- the bundle ----------------------------------------------------------------------------
const { outdir, metafile } = await build();
const lazy = {
  '@inquirer/prompts': outputsContaining(metafile, outdir, '@inquirer/core'),
  execa: outputsContaining(metafile, outdir, 'execa'),
};

// ---- cold start ----------------------------------------------------------------------------
interface Case { name: string; argv: () => string[]; env: NodeJS.ProcessEnv; target?: number }
const work = mkdtempSync(join(tmpdir(), 'pg-ha-init-bench-'));
let renders = 0;
const NODE_ENV = { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'bench-password' };
const cases: Case[] = [
  { name: 'bare node -e 0', argv: () => ['-e', '0'], env: cleanEnv() },
  { name: '--help', argv: () => [BIN, '--help'], env: cleanEnv() },
  { name: '--version', argv: () => [BIN, '--version'], env: cleanEnv() },
  { name: '--from-env --dry-run', argv: () => [BIN, '--from-env', '--dry-run', '--out', join(work, 'dry')], env: cleanEnv(NODE_ENV), target: 1.3 },
  { name: '--from-env (writes a node)', argv: () => [BIN, '--from-env', '--out', join(work, `node-${renders++}`)], env: cleanEnv(NODE_ENV) },
  { name: '--stack (writes a stack)', argv: () => [BIN, '--stack', '--out', join(work, `stack-${renders++}`)], env: cleanEnv() },
];

function timeOnce(c: Case): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(NODE, c.argv(), { env: c.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${c.name} exited ${run.status}: ${run.stderr}`);
  return elapsed;
}

const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
for (let i = 0; i < RUNS + 2; i++) {
  for (const c of cases) {
    const t = timeOnce(c);
    if (i >= 2) times.get(c)!.push(t); // two warm-up rounds: page cache, not the CLI, would differ
  }
}

// ---- the wizard's first question, in a terminal ---------------------------------------------
// Both on a pseudo-terminal (util-linux `script`), timed from spawn to the text showing up.
const ttyEnv = cleanEnv();
const wizardArgv = [NODE, BIN, '--out', join(work, 'wizard')];
const bareTtyArgv = [NODE, '-e', "process.stdout.write('ready\\n')"];
const wizardTimes: number[] = [];
const bareTtyTimes: number[] = [];
for (let i = 0; i < RUNS + 2; i++) {
  const bare = await untilOnTerminal(bareTtyArgv, 'ready', ttyEnv);
  const wizard = await untilOnTerminal(wizardArgv, FIRST_QUESTION, ttyEnv);
  if (i >= 2) { bareTtyTimes.push(bare); wizardTimes.push(wizard); }
}

// ---- which chunks each command loads ---------------------------------------------------------
function loadedBy(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const trace = join(work, `trace-${renders++}`);
  const run = spawnSync(NODE, ['--import', TRACER, ...argv], { env: { ...env, PG_HA_INIT_TRACE: trace }, stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`${argv.join(' ')} exited ${run.status}`);
  return loadedFiles(trace, outdir);
}
async function loadedByWizard(): Promise<string[]> {
  const trace = join(work, `trace-${renders++}`);
  await untilOnTerminal([NODE, '--import', TRACER, BIN, '--out', join(work, 'wizard')], FIRST_QUESTION, { ...ttyEnv, PG_HA_INIT_TRACE: trace });
  return loadedFiles(trace, outdir);
}
const loads: [string, string[]][] = [
  ['--help', loadedBy([BIN, '--help'], cleanEnv())],
  ['--from-env --dry-run', loadedBy([BIN, '--from-env', '--dry-run', '--out', join(work, 'dry')], cleanEnv(NODE_ENV))],
  ['--stack', loadedBy([BIN, '--stack', '--out', join(work, `stack-${renders++}`)], cleanEnv())],
  ['wizard, at its first question', await loadedByWizard()],
];
rmSync(work, { recursive: true, force: true });

// ---- package size and runtime dependencies --------------------------------------------------
const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
const packed = (JSON.parse(pack.stdout) as { size: number; unpackedSize: number; files: { path: string; size: number }[] }[])[0]!;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const declared = ['dependencies', 'optionalDependencies', 'peerDependencies'].flatMap((k) => Object.keys(pkg[k] ?? {}));
// And what the built code imports that is neither a node builtin nor one of its own files (the
// build's own record: static imports, dynamic imports and require() calls alike).
const imported = new Set(externalImports(metafile).filter((specifier) => !isBuiltin(specifier)));

// ---- the table --------------------------------------------------------------------------------
const rows: string[][] = [];
const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
const bare = median(times.get(cases[0]!)!);
for (const c of cases) {
  const m = median(times.get(c)!);
  const ratio = m / bare;
  rows.push([`cold start: ${c.name}`, `${m.toFixed(1)} ms`, `${ratio.toFixed(2)}x`, c.target ? `<= ${c.target}x: ${verdict(ratio <= c.target)}` : '']);
}
const bareTty = median(bareTtyTimes);
const wizard = median(wizardTimes);
rows.push(['bare node, first output on a pty', `${bareTty.toFixed(1)} ms`, '1.00x', '']);
rows.push(['wizard: first question on a pty', `${wizard.toFixed(1)} ms`, `${(wizard / bareTty).toFixed(2)}x`, `(${(wizard / bare).toFixed(2)}x bare node -e 0)`]);
rows.push(['package: packed (npm pack)', kb(packed.size), '', '']);
rows.push(['package: unpacked', kb(packed.unpackedSize), '', `<= 300 KB: ${verdict(packed.unpackedSize <= 300 * 1024)}`]);
rows.push(['runtime dependencies', `${declared.length + imported.size}`, '', `0: ${verdict(declared.length + imported.size === 0)}`]);

function printTable(title: string, table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  for (const r of table) console.log(`  ${r.map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()}`);
}
console.log(`pg-ha-init bench: Node ${process.version}, ${process.platform} ${process.arch}, medians of ${RUNS} runs (after 2 warm-up runs)`);
printTable('Start-up and size of the bundled CLI (bin/pg-ha-init.js -> dist/)', rows);
if (declared.length + imported.size > 0) console.log(`  runtime dependencies: ${[...declared, ...imported].join(', ')}`);
console.log('\nFiles shipped (npm pack --dry-run):');
for (const f of packed.files) console.log(`  ${f.path.padEnd(40)} ${kb(f.size).padStart(9)}`);
console.log('\nChunks each command loads (lazy: @inquirer/prompts in ' + (lazy['@inquirer/prompts'].join(', ') || '-') + '; execa in ' + (lazy.execa.join(', ') || '-') + ')');
for (const [name, files] of loads) {
  const size = files.reduce((sum, f) => sum + statSync(join(outdir, f)).size, 0);
  const lazyLoaded = Object.entries(lazy).filter(([, chunks]) => chunks.some((c) => files.includes(c))).map(([lib]) => lib);
  console.log(`  ${name.padEnd(30)} ${String(files.length).padStart(2)} files, ${kb(size).padStart(9)}; loads ${lazyLoaded.length > 0 ? lazyLoaded.join(' and ') : 'neither @inquirer/prompts nor execa'}`);
}

if (CLI_ONLY) process.exit(0);

// ---- the entrypoint ----------------------------------------------------------------------------
// The colleagues' benches, run as they are; each prints its own medians, collected here.
function runBench(file: string, args: string[]): string {
  console.log(`\n$ node --import tsx ${file} ${args.join(' ')}`);
  const run = spawnSync(NODE, ['--import', 'tsx', join(ROOT, file), ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(run.stdout);
  if (run.status !== 0) throw new Error(`${file} exited ${run.status}`);
  return run.stdout;
}
const medianOf = (output: string, name: string): number => {
  const m = new RegExp(`^${name}\\s+median (\\d+) ms`, 'm').exec(output);
  if (!m) throw new Error(`no "${name}" median in the output`);
  return Number(m[1]);
};
const host = runBench('bench/entrypoint-host.ts', [String(Number(process.env.BENCH_ENTRYPOINT_RUNS ?? 5))]);
const big = runBench('bench/entrypoint-1gb.ts', [String(Number(process.env.BENCH_BIG_RUNS ?? 5))]);
const hand = medianOf(host, 'by hand');
const entrypointRows = [
  ['empty data dirs -> replica streaming: by hand', `${hand} ms`, '1.00x', ''],
  ...['sequential', 'together'].map((name) => {
    const m = medianOf(host, name);
    return [`  entrypoint, ${name}${name === 'sequential' ? ' (as compose.yaml: depends_on healthy)' : ''}`, `${m} ms`, `${(m / hand).toFixed(2)}x`,
      name === 'sequential' ? `<= 1.15x: ${verdict(m / hand <= 1.15)}` : ''];
  }),
];
const bare1 = medianOf(big, 'basebackup');
const bareStart = medianOf(big, 'basebackup\\+start');
const viaEntrypoint = medianOf(big, 'entrypoint');
entrypointRows.push(
  ['~1 GB primary -> replica: bare pg_basebackup', `${bare1} ms`, '1.00x', ''],
  ['  bare pg_basebackup, then start until streaming', `${bareStart} ms`, `${(bareStart / bare1).toFixed(2)}x`, ''],
  ['  replica entrypoint until streaming', `${viaEntrypoint} ms`, `${(viaEntrypoint / bare1).toFixed(2)}x`, `${(viaEntrypoint / bareStart).toFixed(2)}x the line above`],
);
printTable('The entrypoint against the same steps by hand', entrypointRows);
