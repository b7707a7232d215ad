#!/usr/bin/env node
// Thin entry: parse the command line, answer --help and --version, run the chosen command, turn
// errors into exit codes. Only light modules load before a command runs.
import './colour.js';
import chalk from 'chalk';
import { parseCommandLine } from './args.js';
import { settingsFromEnv } from './config/env.js';
import { CliError } from './errors.js';
import { commandHelp, helpText } from './help.js';
import { TOOL_VERSION } from './version.js';

const say = (line: string): void => { process.stdout.write(`${line}\n`); };

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv);
  if (line.flags.help) { process.stdout.write(line.verb ? commandHelp(line.command) : helpText()); return 0; }
  if (line.flags.version) { say(TOOL_VERSION); return 0; }
  const settings = { ...settingsFromEnv(process.env), ...line.settings };
  return line.command.run({ flags: line.flags, settings, positionals: line.positionals, say });
}

function fail(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`${error.report(chalk.red)}\n`);
    return error.exitCode;
  }
  process.stderr.write(`${chalk.red('error:')} ${(error as Error).message ?? String(error)}\n`);
  return 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = fail(error);
}
