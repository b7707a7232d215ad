// Ctrl-C at a prompt rejects the prompt with ExitPromptError; the wizard turns it into Cancelled
// (src/errors.ts), which the CLI reports as "Cancelled" and exit 130.
export function isPromptExit(error: unknown): boolean {
  // By name: @inquirer/core (which defines the class) is not a direct dependency.
  return error instanceof Error && error.name === 'ExitPromptError';
}
