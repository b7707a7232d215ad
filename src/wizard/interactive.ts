// Whether the wizard may ask: only a person at a terminal. Every CI service sets CI (true, 1, or
// its own name), and a job that waits for an answer hangs until it times out.
import { parseBoolean } from '../config/booleans.js';

export function canPrompt(env: NodeJS.ProcessEnv, stdinIsTTY: boolean | undefined): boolean {
  return stdinIsTTY === true && parseBoolean(env.CI) === false;
}

export const NON_INTERACTIVE_HINT = 'no terminal to ask in (stdin is not a TTY, or CI is set). Run pg-ha-init --stack (a primary + replicas on this machine) or pg-ha-init --from-env (this host\'s node). See --help.';
