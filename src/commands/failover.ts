// `pg-ha-init failover`: promote a replica when the primary is gone, fencing the old primary first
// (src/day2/failover.ts does it; this file only reads the flags).
import type { Command } from './command.js';
import { bundleTarget, DIR_FLAG, PROJECT_NAME_FLAG, terminalAsk, terminalConfirm, YES_FLAG } from './day2-flags.js';

export const failover: Command = {
  name: 'failover',
  title: 'pg-ha-init failover',
  summary: 'Promote a replica when the primary is gone; the old primary is fenced first.',
  usage: [
    'pg-ha-init failover [--to NODE] [--dir DIR] [--yes] [--allow-data-loss] [--force] [--project-name NAME]  stack: promote the most advanced replica',
    'pg-ha-init failover --yes --old-primary-down [--allow-data-loss] [--dir DIR] [--project-name NAME]  per-host replica bundle: promote this node',
  ],
  flags: [
    { name: 'to', type: 'string', arg: 'NODE', help: 'The replica to promote (default: the one that received the most WAL).' },
    DIR_FLAG,
    YES_FLAG,
    { name: 'allow-data-loss', type: 'boolean', help: 'Allow --to a replica (per host: this node) that received less WAL than another (says how many bytes).' },
    { name: 'force', type: 'boolean', help: 'The primary still answers but must be abandoned: stop it first (otherwise use switchover).' },
    { name: 'old-primary-down', type: 'boolean', help: 'Per-host replica bundle: you confirm the old primary\'s host is down or fenced (it cannot be seen from here). Required with --yes.' },
    PROJECT_NAME_FLAG,
  ],
  async run({ flags, say }) {
    const { failover: run } = await import('../day2/failover.js');
    const result = await run({
      ...bundleTarget(flags),
      ...(typeof flags.to === 'string' && flags.to !== '' ? { to: flags.to } : {}),
      yes: flags.yes === true, allowDataLoss: flags['allow-data-loss'] === true, force: flags.force === true,
      oldPrimaryDown: flags['old-primary-down'] === true,
      say, confirm: await terminalConfirm(), typeHost: await terminalAsk(),
    });
    return result.exitCode;
  },
};
