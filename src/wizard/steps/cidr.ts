// Who may replicate, for a node (a single-host stack's replicas are on its own compose network,
// which is what its default "samenet" means, so the stack is not asked). The node's default is
// the spec's 0.0.0.0/0; the question says what to narrow it to.
import { askSetting } from '../check.js';
import type { WizardContext } from '../context.js';

export async function cidr(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  await askSetting(ctx, 'REPLICATION_CIDR');
}
