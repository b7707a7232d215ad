// Ctrl-C at a prompt. @inquirer/prompts holds the terminal in raw mode, so the key arrives as
// input, not as SIGINT, and the prompt rejects with ExitPromptError. The CLI turns Cancelled
// into "Cancelled" and exit 130 (128 + SIGINT), the code a shell expects after Ctrl-C.
export class Cancelled extends Error {
  readonly exitCode = 130;
  constructor() {
    super('Cancelled');
    this.name = 'Cancelled';
  }
}

export function isPromptExit(error: unknown): boolean {
  // By name: @inquirer/core (which defines the class) is not a direct dependency.
  return error instanceof Error && error.name === 'ExitPromptError';
}
