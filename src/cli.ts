#!/usr/bin/env node
// Thin entry: parse flags, pick the mode, hand over to generate(), map errors to exit codes.
import chalk from 'chalk';
import { parseCli } from './args.js';
import { InvalidConfigError, formatConfigError } from './config/errors.js';
import { settingsFromEnv } from './config/env.js';
import { RefusedError, UsageError } from './errors.js';
import { defaultOutDir, generate, loadConfig } from './generate.js';
import { helpText } from './help.js';
import { describeChanges, nextSteps } from './output/report.js';
import { TOOL_VERSION } from './version.js';

function run(argv: string[]): number {
  const options = parseCli(argv);
  if (options.help) { process.stdout.write(helpText()); return 0; }
  if (options.version) { process.stdout.write(`${TOOL_VERSION}\n`); return 0; }
  if (!options.fromEnv && !options.stack) {
    throw new UsageError('choose a mode: pg-ha-init --stack (primary + replicas on this machine) or pg-ha-init --from-env (this host\'s node). See --help.');
  }
  const mode = options.stack ? 'stack' : 'node';
  const config = loadConfig(mode, { ...settingsFromEnv(process.env), ...options.settings });
  const result = generate(config, { outDir: options.out ?? defaultOutDir(config), dryRun: options.dryRun, force: options.force });
  const verb = result.written ? 'Wrote' : 'Would write';
  process.stdout.write(`${chalk.bold(`${verb} ${result.outDir}`)}\n${describeChanges(result.changes)}\n`);
  if (result.written) process.stdout.write(`${nextSteps(config, result.outDir)}\n`);
  return 0;
}

function exitCodeFor(error: unknown): number {
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
  process.exitCode = run(process.argv.slice(2));
} catch (error) {
  process.exitCode = exitCodeFor(error);
}
