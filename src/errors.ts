// Every error the CLI expects, with the exit code it ends in: 1 runtime failure, 2 invalid input,
// 130 cancelled. cli.ts prints `report()` and exits with `exitCode`; anything else that escapes
// is a runtime failure (1).
import { formatConfigError, type ConfigError } from './config/errors.js';

export abstract class CliError extends Error {
  abstract readonly exitCode: number;
  /** What the user reads on stderr; `red` marks the headline in a terminal. */
  report(red: (text: string) => string): string {
    return `${red('error:')} ${this.message}`;
  }
}

/** Invalid flags or arguments. */
export class UsageError extends CliError {
  readonly exitCode = 2;
  override name = 'UsageError';
}

/** Settings the model rejects; every one is listed with its fix. */
export class InvalidConfigError extends CliError {
  readonly exitCode = 2;
  override name = 'InvalidConfigError';
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map(formatConfigError).join('\n'));
  }
  override report(red: (text: string) => string): string {
    return `${red('Invalid configuration; nothing was written:')}\n${this.errors.map((e) => `  ${formatConfigError(e)}`).join('\n')}`;
  }
}

/** The tool would have to destroy something (files that differ, without --force). */
export class RefusedError extends CliError {
  readonly exitCode = 1;
  override name = 'RefusedError';
}

/** The stack could not be started or does not replicate; the message says what to run by hand. */
export class LaunchError extends CliError {
  readonly exitCode = 1;
  override name = 'LaunchError';
}

/**
 * Ctrl-C at a prompt. @inquirer/prompts holds the terminal in raw mode, so the key arrives as
 * input, not as SIGINT; the wizard turns the prompt's rejection into this. 130 = 128 + SIGINT,
 * the code a shell expects after Ctrl-C.
 */
export class Cancelled extends CliError {
  readonly exitCode = 130;
  override name = 'Cancelled';
  constructor() {
    super('Cancelled');
  }
  override report(): string {
    return 'Cancelled';
  }
}
