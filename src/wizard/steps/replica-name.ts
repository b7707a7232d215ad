// A replica node's name. Two replicas with one name would share a replication slot and take
// turns breaking each other, so it is asked, not silently defaulted.
import { askSetting } from '../check.js';
import type { WizardContext } from '../context.js';

export async function replicaName(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  await askSetting(ctx, 'REPLICA_NAME');
}
