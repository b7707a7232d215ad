// Durability (issue 12): one question, asynchronous or synchronous replication. Synchronous means
// SYNC_REPLICAS = k (1 unless the environment or a flag says more); a per-host primary is also
// asked which replicas may confirm (SYNC_REPLICA_NAMES), since it cannot know their names.
import { settingNamed } from '../../config/settings.js';
import { checkSetting } from '../check.js';
import type { WizardContext } from '../context.js';

type Durability = 'async' | 'sync';

export async function durability(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  const given = Number(ctx.settings.SYNC_REPLICAS ?? '0');
  const k = Number.isInteger(given) && given >= 1 ? given : 1;
  const answer = await ctx.prompt.select<Durability>({
    message: 'Durability:',
    choices: [
      { value: 'async', name: 'Asynchronous (fastest; a primary crash can lose the last commits)', description: 'SYNC_REPLICAS=0' },
      {
        value: 'sync',
        name: `Synchronous (no acknowledged commit lost while ${k} replica(s) are up; commits wait when fewer than ${k} are up)`,
        description: `SYNC_REPLICAS=${k}: synchronous_standby_names = 'ANY ${k} (...)'`,
      },
    ],
    default: given >= 1 ? 'sync' : 'async',
  });
  if (answer === 'async') {
    ctx.settings.SYNC_REPLICAS = '0';
    return;
  }
  ctx.settings.SYNC_REPLICAS = String(k);
  if (ctx.topology !== 'primary') return;
  const names = await ctx.prompt.input({
    message: settingNamed('SYNC_REPLICA_NAMES').prompt ?? 'SYNC_REPLICA_NAMES:',
    default: ctx.settings.SYNC_REPLICA_NAMES ?? 'replica1',
    validate: (value) => checkSetting(ctx, 'SYNC_REPLICA_NAMES', value.trim(), ['SYNC_REPLICAS']),
  });
  ctx.settings.SYNC_REPLICA_NAMES = names.trim();
}
