// `pg-ha-init follow --primary-host H`: in a per-host replica's bundle, make the node follow the
// primary that another host's `failover` promoted (src/day2/follow.ts does it; this file only
// reads the flags).
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import {
  bundleTarget, DIR_FLAG, PRIMARY_HOST_FLAG, PRIMARY_PORT_FLAG, PROJECT_NAME_FLAG, primaryTarget, terminalConfirm, YES_FLAG,
} from './day2-flags.js';

export const follow: Command = {
  name: 'follow',
  title: 'pg-ha-init follow',
  summary: 'Per-host replica: follow another primary (after a failover on its host): checks it, rewrites this bundle, restarts the node.',
  usage: ['pg-ha-init follow --primary-host HOST [--primary-port PORT] [--dir DIR] [--yes] [--project-name NAME]  make this replica stream from HOST'],
  flags: [PRIMARY_HOST_FLAG, PRIMARY_PORT_FLAG, DIR_FLAG, YES_FLAG, PROJECT_NAME_FLAG],
  async run({ flags, say }) {
    const target = primaryTarget(flags, 'follow');
    if (target === undefined) throw new UsageError('follow needs --primary-host HOST (and --primary-port PORT unless it is 5432): the primary this replica should stream from.');
    const { follow: run } = await import('../day2/follow.js');
    const result = await run({ ...bundleTarget(flags), primary: target, yes: flags.yes === true, say, confirm: await terminalConfirm() });
    return result.exitCode;
  },
};
