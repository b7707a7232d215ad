// `pg-ha-init rejoin NODE`: bring a former primary back as a replica, rewinding it only if it
// diverged (src/day2/rejoin.ts does it; this file only reads the arguments).
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import { bundleTarget, DIR_FLAG, PROJECT_NAME_FLAG, terminalConfirm, YES_FLAG } from './day2-flags.js';

export const rejoin: Command = {
  name: 'rejoin',
  title: 'pg-ha-init rejoin',
  summary: 'Bring a stopped former primary back as a replica (pg_rewind only if it diverged; no full copy).',
  usage: ['pg-ha-init rejoin NODE [--dir DIR] [--yes] [--reclone] [--project-name NAME]  make NODE a replica of the primary'],
  operands: 1,
  flags: [
    DIR_FLAG,
    YES_FLAG,
    { name: 'reclone', type: 'boolean', help: 'If pg_rewind fails or cannot run: move PGDATA aside (kept) and clone the primary.' },
    PROJECT_NAME_FLAG,
  ],
  async run({ flags, positionals, say }) {
    const node = positionals[0];
    if (node === undefined || node === '' || positionals.length > 1) throw new UsageError('rejoin needs exactly one NODE: the stopped node (compose service) to bring back as a replica.');
    const { rejoin: run } = await import('../day2/rejoin.js');
    const result = await run({
      ...bundleTarget(flags),
      node, yes: flags.yes === true, reclone: flags.reclone === true,
      say, confirm: await terminalConfirm(),
    });
    return result.exitCode;
  },
};
