/** One invalid setting: which variable, what is wrong with it, and how to fix it. */
export interface ConfigError {
  variable: string;
  problem: string;
  fix: string;
}

export function formatConfigError(error: ConfigError): string {
  return `${error.variable} ${error.problem}. Fix: ${error.fix}.`;
}

/** Thrown by entry points that cannot go on; the CLI prints every error and exits 2. */
export class InvalidConfigError extends Error {
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map(formatConfigError).join('\n'));
    this.name = 'InvalidConfigError';
  }
}
