// A replica node: where its primary is.
import { askSetting } from '../check.js';
import type { WizardContext } from '../context.js';

export async function primary(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  await askSetting(ctx, 'PRIMARY_HOST');
  await askSetting(ctx, 'PRIMARY_PORT');
}
