// The PostgreSQL major version: a list, so an unsupported version cannot be entered.
import { PG_MAJORS, settingNamed } from '../../config/settings.js';
import type { WizardContext } from '../context.js';

export async function version(ctx: Pick<WizardContext, 'prompt' | 'settings'>): Promise<void> {
  const majors = Array.from({ length: PG_MAJORS.max - PG_MAJORS.min + 1 }, (_, i) => PG_MAJORS.max - i);
  const major = await ctx.prompt.select<number>({
    message: settingNamed('PG_MAJOR').prompt ?? 'PG_MAJOR:',
    choices: majors.map((n) => ({ value: n, name: n === PG_MAJORS.current ? `${n} (current)` : String(n), description: `Image postgres:${n}` })),
    default: Number(ctx.settings.PG_MAJOR ?? PG_MAJORS.current),
  });
  ctx.settings.PG_MAJOR = String(major);
}
