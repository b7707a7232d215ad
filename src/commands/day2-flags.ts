// What the day-2 verbs (switchover, failover, rejoin, follow) share on the command line: the
// --project-name flag, and the y/N question asked on a terminal (none without one: then --yes).
import { hostProblem, portProblem } from '../config/rules.js';
import { UsageError } from '../errors.js';
import type { Flag, FlagValues } from './command.js';

export const DIR_FLAG: Flag = { name: 'dir', type: 'string', arg: 'DIR', help: 'The bundle directory (default: the current directory).' };
export const YES_FLAG: Flag = { name: 'yes', short: 'y', type: 'boolean', help: 'Do not ask for confirmation (needed without a terminal).' };

export const PROJECT_NAME_FLAG: Flag = {
  name: 'project-name', short: 'p', type: 'string', arg: 'NAME',
  help: 'Compose project name (default: Compose\'s own rule, COMPOSE_PROJECT_NAME or the directory\'s name).',
};

/** Asks a question on the terminal and returns the answer; undefined when stdin or stdout is not one. */
export async function terminalAsk(): Promise<((question: string) => Promise<string>) | undefined> {
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) return undefined;
  const { createInterface } = await import('node:readline/promises');
  return async (question: string): Promise<string> => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(`${question} `);
    } finally {
      rl.close();
    }
  };
}

/** Asks y/N on the terminal; undefined when stdin or stdout is not one. */
export async function terminalConfirm(): Promise<((question: string) => Promise<boolean>) | undefined> {
  const ask = await terminalAsk();
  return ask && (async (question: string) => /^y(es)?$/i.test((await ask(`${question} [y/N]`)).trim()));
}

/** The bundle a day-2 verb works on: --dir (default: the current directory) and --project-name. */
export function bundleTarget(flags: FlagValues): { dir: string; projectName?: string } {
  return {
    dir: typeof flags.dir === 'string' ? flags.dir : process.cwd(),
    ...(typeof flags['project-name'] === 'string' ? { projectName: flags['project-name'] } : {}),
  };
}

export const PRIMARY_HOST_FLAG: Flag = { name: 'primary-host', type: 'string', arg: 'HOST', help: 'Per-host bundles: the primary to follow or rejoin, as this host reaches it (host name or IP address).' };
export const PRIMARY_PORT_FLAG: Flag = { name: 'primary-port', type: 'string', arg: 'PORT', help: 'Per-host bundles: the port that primary is published on (default 5432).' };

/** The per-host verbs' way to name the current primary. */
export const PRIMARY_TARGET_FLAGS: readonly Flag[] = [PRIMARY_HOST_FLAG, PRIMARY_PORT_FLAG];

/** --primary-host/--primary-port, checked as PRIMARY_HOST and PRIMARY_PORT are; undefined without --primary-host. */
export function primaryTarget(flags: FlagValues, verb: string): { host: string; port: number } | undefined {
  const host = flags['primary-host'];
  const port = flags['primary-port'];
  if (typeof host !== 'string') {
    if (typeof port === 'string') throw new UsageError(`${verb}: --primary-port needs --primary-host HOST (the new primary's address).`);
    return undefined;
  }
  const hostProblemText = hostProblem(host);
  if (hostProblemText !== undefined) throw new UsageError(`${verb}: --primary-host ${hostProblemText}. Give the new primary's host name or IP address.`);
  const portText = typeof port === 'string' ? port : '5432';
  const portProblemText = portProblem(portText);
  if (portProblemText !== undefined) throw new UsageError(`${verb}: --primary-port ${portProblemText}. Give the port the new primary is published on.`);
  return { host, port: Number(portText) };
}
