// The real prompts. @inquirer/prompts is imported only here and only when the wizard runs, so
// --stack, --from-env and --help never pay for loading it.
import type { Prompts } from './prompts.js';

export async function inquirerPrompts(): Promise<Prompts> {
  const { input, password, select } = await import('@inquirer/prompts');
  return {
    select: (q) => select({ message: q.message, choices: q.choices, default: q.default, loop: false }),
    input: (q) => input({ message: q.message, default: q.default, validate: q.validate }),
    // No ctrl+t reveal: a typed password must never reach the screen (or a screen recording).
    password: (q) => password({ message: q.message, validate: q.validate, mask: '*', toggleMask: false }),
  };
}
