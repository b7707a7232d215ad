// Who may replicate, for a node (a single-host stack's replicas are on its own compose network,
// which is what its default "samenet" means, so the stack is not asked).
import { askSetting } from '../check.js';
import type { WizardContext } from '../context.js';

export async function cidr(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  // 0.0.0.0/0 is the spec's default; the message says what to narrow it to.
  await askSetting(ctx, 'REPLICATION_CIDR', 'Addresses allowed to replicate (pg_hba; narrow it to your replicas\' network, e.g. 10.0.0.0/24):', '0.0.0.0/0');
}
