/**
 * A value that cannot be written into one output context (a shell word, an env file, SQL, ...).
 * Rendering stops on it: a file that would mean something other than the value is worse than none.
 */
export class QuoteError extends Error {
  override readonly name = 'QuoteError';

  constructor(
    /** The output context, e.g. "shell word"; every message starts with it. */
    readonly context: string,
    reason: string,
  ) {
    super(`${context}: ${reason}`);
  }
}
