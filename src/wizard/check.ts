// On-entry checks. An answer is checked by the config model itself (parseConfig, which applies
// the rules in config/rules.ts) together with every other setting, so the wizard shows the very
// message --from-env would print, fix included, and catches cross-field rules such as
// REPLICATION_USER = POSTGRES_USER.
import { formatConfigError } from '../config/errors.js';
import { InvalidConfigError } from '../errors.js';
import { parseConfig, type RawSettings } from '../config/model.js';
import { defaultOf, settingNamed } from '../config/settings.js';
import { modeOf, type WizardContext } from './context.js';

export function checkSetting(ctx: Pick<WizardContext, 'settings' | 'topology'>, name: string, value: string, alsoJudge: readonly string[] = []): true | string {
  const result = parseConfig({ ...ctx.settings, [name]: value }, { mode: modeOf(ctx.topology) });
  if (result.ok) return true;
  // Other settings may still be incomplete (a node's password is asked later); judge this one
  // only, and those whose rule spans it (SYNC_REPLICAS against the names given).
  const mine = result.errors.filter((e) => e.variable === name || (alsoJudge.includes(e.variable) && ctx.settings[e.variable] !== undefined));
  return mine.length === 0 ? true : mine.map(formatConfigError).join(' ');
}

/**
 * Before the first question: what the environment and flags already say must be valid, with
 * --from-env's own messages and exit 2. Patroni or Citus switched on stops the wizard here, as
 * replication cannot be combined with them. (Stack mode: it checks every variable, and does not
 * yet require a node's replication password.)
 */
export function checkEnvironment(settings: RawSettings): void {
  const result = parseConfig(settings, { mode: 'stack' });
  if (!result.ok) throw new InvalidConfigError(result.errors);
}

/**
 * Asks for one setting with its question from the settings table, checked on entry. The default
 * is what the environment or a flag says, else the table's default for this topology's mode.
 */
export async function askSetting(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>, name: string): Promise<void> {
  const setting = settingNamed(name);
  const fallback = defaultOf(setting, modeOf(ctx.topology), (other) => ctx.settings[other] ?? '') ?? '';
  // Pasted values often carry a stray space; no setting but a password may contain one.
  const answer = await ctx.prompt.input({
    message: setting.prompt ?? `${name}:`,
    default: ctx.settings[name] ?? fallback,
    validate: (value) => checkSetting(ctx, name, value.trim()),
  });
  ctx.settings[name] = answer.trim();
}
