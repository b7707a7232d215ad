/** One invalid setting: which variable, what is wrong with it, and how to fix it. */
export interface ConfigError {
  variable: string;
  problem: string;
  fix: string;
}

export function formatConfigError(error: ConfigError): string {
  return `${error.variable} ${error.problem}. Fix: ${error.fix}.`;
}
