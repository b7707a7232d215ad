// `pg-ha-init switchover --to NODE`: move the primary role to a streaming replica, with no
// acknowledged commit lost (src/day2/switchover.ts does it; this file only reads the flags).
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import { bundleTarget, DIR_FLAG, PROJECT_NAME_FLAG, terminalConfirm, YES_FLAG } from './day2-flags.js';

export const switchover: Command = {
  name: 'switchover',
  title: 'pg-ha-init switchover',
  summary: 'Move the primary role to a replica (planned, no acknowledged commit lost).',
  usage: ['pg-ha-init switchover --to NODE [--dir DIR] [--yes] [--dry-run] [--project-name NAME]  make NODE the primary'],
  flags: [
    { name: 'to', type: 'string', arg: 'NODE', help: 'The replica (compose service) to promote.' },
    DIR_FLAG,
    YES_FLAG,
    { name: 'dry-run', type: 'boolean', help: 'Run the preflight checks and say what would be done; change nothing.' },
    PROJECT_NAME_FLAG,
  ],
  async run({ flags, say }) {
    if (typeof flags.to !== 'string' || flags.to === '') throw new UsageError('switchover needs --to NODE: the replica to promote (see `pg-ha-init status`).');
    const { switchover: run } = await import('../day2/switchover.js');
    const confirm = await terminalConfirm();
    const result = await run({
      ...bundleTarget(flags),
      to: flags.to, yes: flags.yes === true, dryRun: flags['dry-run'] === true,
      say, confirm,
    });
    return result.exitCode;
  },
};
