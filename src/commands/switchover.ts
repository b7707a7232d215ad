// `pg-ha-init switchover --to NODE`: move the primary role to a streaming replica, with no
// acknowledged commit lost (src/day2/switchover.ts does it; this file only reads the flags).
import { UsageError } from '../errors.js';
import type { Command } from './command.js';

export const switchover: Command = {
  name: 'switchover',
  title: 'pg-ha-init switchover',
  summary: 'Move the primary role to a replica (planned, no acknowledged commit lost).',
  usage: ['pg-ha-init switchover --to NODE [--dir DIR] [--yes] [--dry-run] [--project-name NAME]  make NODE the primary'],
  flags: [
    { name: 'to', type: 'string', arg: 'NODE', help: 'The replica (compose service) to promote.' },
    { name: 'dir', type: 'string', arg: 'DIR', help: 'The bundle directory (default: the current directory).' },
    { name: 'yes', short: 'y', type: 'boolean', help: 'Do not ask for confirmation (needed without a terminal).' },
    { name: 'dry-run', type: 'boolean', help: 'Run the preflight checks and say what would be done; change nothing.' },
    { name: 'project-name', short: 'p', type: 'string', arg: 'NAME', help: 'Compose project name (default: Compose\'s own rule, COMPOSE_PROJECT_NAME or the directory\'s name).' },
  ],
  async run({ flags, say }) {
    if (typeof flags.to !== 'string' || flags.to === '') throw new UsageError('switchover needs --to NODE: the replica to promote (see `pg-ha-init status`).');
    const [{ switchover: run }, { createInterface }] = await Promise.all([import('../day2/switchover.js'), import('node:readline/promises')]);
    const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
    const confirm = interactive ? async (question: string): Promise<boolean> => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    } : undefined;
    const result = await run({
      dir: typeof flags.dir === 'string' ? flags.dir : process.cwd(),
      to: flags.to, yes: flags.yes === true, dryRun: flags['dry-run'] === true,
      projectName: typeof flags['project-name'] === 'string' ? flags['project-name'] : undefined,
      say, confirm,
    });
    return result.exitCode;
  },
};
