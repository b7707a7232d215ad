// Exit codes: 0 success, 1 runtime failure, 2 invalid input. Errors that are the user's input
// carry code 2; anything unexpected is a runtime failure.
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class RefusedError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}
