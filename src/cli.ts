#!/usr/bin/env node
// Thin entry: parse flags, pick the mode, hand over to generate() (or the wizard), map errors to exit codes.
import './colour.js';
import chalk from 'chalk';
import { parseCli } from './args.js';
import { InvalidConfigError, formatConfigError } from './config/errors.js';
import { settingsFromEnv } from './config/env.js';
import { RefusedError, UsageError } from './errors.js';
import { defaultOutDir, generate, loadConfig, preview } from './generate.js';
import { checkReport } from './output/check.js';
import { planJson } from './output/json.js';
import { helpText } from './help.js';
import { describeChanges, nextSteps } from './output/report.js';
import { TOOL_VERSION } from './version.js';
import { Cancelled } from './wizard/cancel.js';
import { NON_INTERACTIVE_HINT, canPrompt } from './wizard/interactive.js';

const say = (line: string): void => { process.stdout.write(`${line}\n`); };

async function run(argv: string[]): Promise<number> {
  const options = parseCli(argv);
  if (options.help) { process.stdout.write(helpText()); return 0; }
  if (options.version) { process.stdout.write(`${TOOL_VERSION}\n`); return 0; }
  const settings = { ...settingsFromEnv(process.env), ...options.settings };
  if (!options.fromEnv && !options.stack) {
    if (!canPrompt(process.env, process.stdin.isTTY)) throw new UsageError(NON_INTERACTIVE_HINT);
    // Loaded only now: the prompts library is not needed by any other mode.
    await (await import('./wizard/main.js')).wizardFromCli(options, settings);
    return 0;
  }
  const mode = options.stack ? 'stack' : 'node';
  const config = loadConfig(mode, settings);
  const outDir = options.out ?? defaultOutDir(config);
  if (options.check) {
    const report = checkReport(preview(config, outDir).changes);
    process.stdout.write(report.drift ? report.text : `${outDir} matches a fresh render.\n`);
    return report.drift ? 1 : 0;
  }
  if (options.json) {
    const { outDir: absolute, plan } = preview(config, outDir);
    process.stdout.write(planJson(config, absolute, plan));
    return 0;
  }
  const result = generate(config, { outDir, dryRun: options.dryRun, force: options.force });
  const verb = result.written ? 'Wrote' : 'Would write';
  process.stdout.write(`${chalk.bold(`${verb} ${result.outDir}`)}\n${describeChanges(result.changes)}\n`);
  if (options.launch) await (await import('./launch/index.js')).launch(config, result.outDir, { say });
  else if (result.written) say(nextSteps(config, result.outDir));
  return 0;
}

function exitCodeFor(error: unknown): number {
  if (error instanceof Cancelled) { process.stderr.write('Cancelled\n'); return error.exitCode; }
  if (error instanceof InvalidConfigError) {
    process.stderr.write(`${chalk.red('Invalid configuration; nothing was written:')}\n${error.errors.map((e) => `  ${formatConfigError(e)}`).join('\n')}\n`);
    return 2;
  }
  if (error instanceof UsageError) { process.stderr.write(`${chalk.red('error:')} ${error.message}\n`); return 2; }
  if (error instanceof RefusedError) { process.stderr.write(`${chalk.red('error:')} ${error.message}\n`); return 1; }
  process.stderr.write(`${chalk.red('error:')} ${(error as Error).message ?? String(error)}\n`);
  return 1;
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  process.exitCode = exitCodeFor(error);
}
