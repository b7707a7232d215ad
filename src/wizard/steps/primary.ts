// A replica node: where its primary is.
import { DEFAULT_PRIMARY_PORT } from '../../config/variables.js';
import { askSetting } from '../check.js';
import type { WizardContext } from '../context.js';

export async function primary(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  await askSetting(ctx, 'PRIMARY_HOST', 'Primary\'s host name or IP address:', '');
  await askSetting(ctx, 'PRIMARY_PORT', 'Port the primary is published on:', String(DEFAULT_PRIMARY_PORT));
}
