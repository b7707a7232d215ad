/** The stack could not be started or does not replicate; the message says what to run by hand. Exit 1. */
export class LaunchError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}
