// What the day-2 verbs (switchover, failover, rejoin, follow) share on the command line: the
// --project-name flag, and the y/N question asked on a terminal (none without one: then --yes).
import type { Flag, FlagValues } from './command.js';

export const DIR_FLAG: Flag = { name: 'dir', type: 'string', arg: 'DIR', help: 'The bundle directory (default: the current directory).' };
export const YES_FLAG: Flag = { name: 'yes', short: 'y', type: 'boolean', help: 'Do not ask for confirmation (needed without a terminal).' };

export const PROJECT_NAME_FLAG: Flag = {
  name: 'project-name', short: 'p', type: 'string', arg: 'NAME',
  help: 'Compose project name (default: Compose\'s own rule, COMPOSE_PROJECT_NAME or the directory\'s name).',
};

/** Asks on the terminal; undefined when stdin or stdout is not one. */
export async function terminalConfirm(): Promise<((question: string) => Promise<boolean>) | undefined> {
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) return undefined;
  const { createInterface } = await import('node:readline/promises');
  return async (question: string): Promise<boolean> => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
}

/** The bundle a day-2 verb works on: --dir (default: the current directory) and --project-name. */
export function bundleTarget(flags: FlagValues): { dir: string; projectName?: string } {
  return {
    dir: typeof flags.dir === 'string' ? flags.dir : process.cwd(),
    ...(typeof flags['project-name'] === 'string' ? { projectName: flags['project-name'] } : {}),
  };
}
