// The wizard as the CLI runs it: real prompts, real launcher, output through `say`.
import type { RawSettings } from '../config/model.js';
import { inquirerPrompts } from './inquirer.js';
import { runWizard } from './index.js';

export interface WizardFromCli {
  settings: RawSettings;
  say: (line: string) => void;
  out: string | undefined;
  force: boolean;
  dryRun: boolean;
}

export async function wizardFromCli(options: WizardFromCli): Promise<void> {
  const { say } = options;
  await runWizard({
    ...options,
    prompt: await inquirerPrompts(),
    // engine/ (and execa under it) is loaded only when the wizard gets to the engine check, not
    // before its first question.
    launcher: {
      preflight: async (outDir) => (await import('../engine/preflight.js')).preflight({ outDir }),
      start: async (engine, config, outDir) => (await import('../engine/index.js')).start(engine, config, outDir, { say }),
    },
  });
}
