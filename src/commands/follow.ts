// `pg-ha-init follow --primary-host H`: in a per-host replica's bundle, make the node follow the
// primary that another host's `failover` promoted (src/day2/follow.ts does it; this file only
// reads the flags).
import * as day2 from './day2-flags.js';
import type { Command } from './command.js';
import { UsageError } from '../errors.js';

export const follow: Command = {
  name: 'follow',
  title: 'pg-ha-init follow',
  summary: 'Per-host replica: follow another primary (after a failover on its host): checks it, rewrites this bundle, restarts the node.',
  usage: ['pg-ha-init follow --primary-host HOST [--primary-port PORT] [--dir DIR] [--yes] [--project-name NAME]  make this replica stream from HOST'],
  flags: [...day2.PRIMARY_TARGET_FLAGS, day2.DIR_FLAG, day2.YES_FLAG, day2.PROJECT_NAME_FLAG],
  async run({ flags, say }) {
    const target = day2.primaryTarget(flags, 'follow');
    if (target === undefined) throw new UsageError('follow needs --primary-host HOST (and --primary-port PORT unless it is 5432): the primary this replica should stream from.');
    const { follow: run } = await import('../day2/follow.js');
    const result = await run({ ...day2.bundleTarget(flags), primary: target, yes: flags.yes === true, say, confirm: await day2.terminalConfirm() });
    return result.exitCode;
  },
};
