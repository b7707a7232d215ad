// The wizard as the CLI runs it: real prompts, real launcher, output on stdout.
import type { CliOptions } from '../args.js';
import type { RawSettings } from '../config/model.js';
import { inquirerPrompts } from './inquirer.js';
import { runWizard } from './index.js';

export async function wizardFromCli(options: CliOptions, settings: RawSettings): Promise<void> {
  const say = (line: string): void => { process.stdout.write(`${line}\n`); };
  await runWizard({
    prompt: await inquirerPrompts(),
    say,
    settings,
    out: options.out,
    force: options.force,
    dryRun: options.dryRun,
    // launch/ (and execa under it) is loaded only when the wizard gets to the engine check, not
    // before its first question.
    launcher: {
      preflight: async (outDir) => (await import('../launch/preflight.js')).preflight({ outDir }),
      start: async (engine, config, outDir) => (await import('../launch/index.js')).start(engine, config, outDir, { say }),
    },
  });
}
