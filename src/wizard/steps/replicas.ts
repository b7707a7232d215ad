import { askSetting } from '../check.js';
import type { WizardContext } from '../context.js';

export async function replicas(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  await askSetting(ctx, 'REPLICA_COUNT');
}
