// The wizard as the CLI runs it: real prompts, real launcher, output on stdout.
import type { CliOptions } from '../args.js';
import type { RawSettings } from '../config/model.js';
import { start } from '../launch/index.js';
import { preflight } from '../launch/preflight.js';
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
    launcher: {
      preflight: (outDir) => preflight({ outDir }),
      start: (engine, config, outDir) => start(engine, config, outDir, { say }),
    },
  });
}
