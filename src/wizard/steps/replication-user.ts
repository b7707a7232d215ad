import { askSetting } from '../check.js';
import type { WizardContext } from '../context.js';

export async function replicationUser(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  await askSetting(ctx, 'REPLICATION_USER');
}
