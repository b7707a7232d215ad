// `pg-ha-init rejoin NODE`: bring a former primary back as a replica, rewinding it only if it
// diverged (src/day2/rejoin.ts does it; this file only reads the arguments).
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import {
  bundleTarget, DIR_FLAG, PRIMARY_TARGET_FLAGS, PROJECT_NAME_FLAG, primaryTarget, terminalConfirm, YES_FLAG,
} from './day2-flags.js';

export const rejoin: Command = {
  name: 'rejoin',
  title: 'pg-ha-init rejoin',
  summary: 'Bring a stopped former primary back as a replica (pg_rewind only if it diverged; no full copy).',
  usage: [
    'pg-ha-init rejoin NODE [--dir DIR] [--yes] [--reclone] [--project-name NAME]  stack: make NODE a replica of the primary',
    'pg-ha-init rejoin --primary-host HOST [--primary-port PORT] [--replica-name NAME] [--dir DIR] [--yes] [--reclone]  per-host bundle: make this node a replica of HOST',
  ],
  operands: 1,
  flags: [
    DIR_FLAG,
    YES_FLAG,
    { name: 'reclone', type: 'boolean', help: 'If pg_rewind fails or cannot run: move PGDATA aside (kept) and clone the primary.' },
    ...PRIMARY_TARGET_FLAGS,
    { name: 'replica-name', type: 'string', arg: 'NAME', help: 'Per-host bundles: this node\'s slot and application_name on the primary (default: its service name); no other replica may use it.' },
    PROJECT_NAME_FLAG,
  ],
  async run({ flags, positionals, say }) {
    const node = positionals[0];
    const primary = primaryTarget(flags, 'rejoin');
    if ((node === undefined || node === '') && primary === undefined) {
      throw new UsageError('rejoin needs NODE (a stack: the stopped node to bring back as a replica) or --primary-host HOST (a per-host bundle: the current primary).');
    }
    const { rejoin: run } = await import('../day2/rejoin.js');
    const result = await run({
      ...bundleTarget(flags),
      ...(node !== undefined && node !== '' ? { node } : {}),
      ...(primary !== undefined ? { primary } : {}),
      ...(typeof flags['replica-name'] === 'string' ? { replicaName: flags['replica-name'] } : {}),
      yes: flags.yes === true, reclone: flags.reclone === true,
      say, confirm: await terminalConfirm(),
    });
    return result.exitCode;
  },
};
