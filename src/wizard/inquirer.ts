// The real prompts. @inquirer/prompts is imported only here, and this module only by wizard/main.ts,
// which cli.ts loads with a dynamic import when the wizard runs: --stack, --from-env and --help
// never pay for loading it. The import is static and named so that the bundler keeps just these
// three prompts (a dynamic import() of the package would pull in all of them, the editor's
// encoding tables included).
import { input, password, select } from '@inquirer/prompts';
import type { Prompts } from './prompts.js';

export async function inquirerPrompts(): Promise<Prompts> {
  return {
    select: (q) => select({ message: q.message, choices: q.choices, default: q.default, loop: false }),
    input: (q) => input({ message: q.message, default: q.default, validate: q.validate }),
    // No ctrl+t reveal: a typed password must never reach the screen (or a screen recording).
    password: (q) => password({ message: q.message, validate: q.validate, mask: '*', toggleMask: false }),
  };
}
