// `pg-ha-init` with no mode flag, in a terminal: the wizard asks, then writes and starts.
import { UsageError } from '../errors.js';
import { DRY_RUN_FLAG, FORCE_FLAG, OUT_FLAG, SETTING_FLAGS, type Command } from './command.js';
import { NON_INTERACTIVE_HINT, canPrompt } from '../wizard/interactive.js';

export const wizard: Command = {
  name: 'wizard',
  title: 'the wizard (pg-ha-init without --stack or --from-env)',
  summary: 'Ask a few questions, then write and start the bundle.',
  usage: ['pg-ha-init  in a terminal: asks a few questions, then writes and starts'],
  flags: [OUT_FLAG, DRY_RUN_FLAG, FORCE_FLAG, ...SETTING_FLAGS],
  async run({ flags, settings, say }) {
    if (!canPrompt(process.env, process.stdin.isTTY)) throw new UsageError(NON_INTERACTIVE_HINT);
    // The prompts library loads only now: no other command needs it.
    const { wizardFromCli } = await import('../wizard/main.js');
    await wizardFromCli({
      settings, say,
      out: typeof flags.out === 'string' ? flags.out : undefined,
      force: flags.force === true,
      dryRun: flags['dry-run'] === true,
    });
    return 0;
  },
};
