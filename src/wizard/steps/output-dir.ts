// The last question before the summary. A directory that holds a different bundle is refused
// here, with the files named, rather than after the summary.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultOutDir, loadConfig } from '../../generate.js';
import { modeOf, type WizardContext } from '../context.js';
import { planFor } from '../plan.js';

type Ctx = Pick<WizardContext, 'prompt' | 'settings' | 'topology' | 'secrets' | 'force' | 'out'>;

function problemWith(ctx: Ctx, answer: string): true | string {
  if (answer === '') return 'Type a directory, e.g. ./pg-ha-stack.';
  const dir = resolve(answer);
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) return `${dir} is not a directory; choose another path.`;
  const conflicts = planFor(ctx, dir).changes.filter((c) => c.status === 'conflict').map((c) => c.file.path);
  if (conflicts.length === 0) return true;
  const shown = conflicts.slice(0, 3).join(', ') + (conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : '');
  return `${dir} holds files that differ from what would be written (${shown}); choose another directory, or re-run with --force to overwrite them.`;
}

/** Returns the directory, absolute. */
export async function outputDir(ctx: Ctx): Promise<string> {
  const fallback = ctx.out ?? defaultOutDir(loadConfig(modeOf(ctx.topology), ctx.settings));
  const answer = await ctx.prompt.input({ message: 'Output directory:', default: fallback, validate: (value) => problemWith(ctx, value.trim()) });
  return resolve(answer.trim());
}
