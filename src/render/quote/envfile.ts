// `KEY=value` lines of a Compose env file. The rule (config/env-file-rule.ts) says why a value
// must be written bare, and which values cannot be.
import { envFileValueProblem } from '../../config/env-file-rule.js';
import { QuoteError } from './error.js';
import { textOf } from './input.js';

const CONTEXT = 'Compose env-file value';

/** `v` unchanged, for `KEY={{env v}}`; throws when any Compose version would alter it. */
export function envFileValue(v: unknown): string {
  const text = textOf(CONTEXT, v);
  const problem = envFileValueProblem(text);
  if (problem !== undefined) throw new QuoteError(CONTEXT, problem);
  return text;
}
