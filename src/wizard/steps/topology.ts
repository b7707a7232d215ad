// Question 1: a whole stack on this machine, or this host's node of a multi-host setup.
import type { Topology, WizardContext } from '../context.js';

export async function topology(ctx: Pick<WizardContext, 'prompt' | 'settings' | 'topology'>): Promise<void> {
  const role = ctx.settings.REPLICATION_ROLE;
  ctx.topology = await ctx.prompt.select<Topology>({
    message: 'What do you want to set up?',
    choices: [
      { value: 'stack', name: 'A single-host stack: a primary and its replicas on this machine', description: 'For trials, development and CI. Published on 127.0.0.1 only.' },
      { value: 'primary', name: 'This host\'s primary, in a multi-host setup', description: 'Replicas run on other machines and connect to this one.' },
      { value: 'replica', name: 'This host\'s replica of a primary that runs elsewhere', description: 'It clones the primary, then streams from it.' },
    ],
    // REPLICATION_ROLE in the environment means a node, as with --from-env.
    default: role === 'primary' || role === 'replica' ? role : 'stack',
  });
  if (ctx.topology !== 'stack') ctx.settings.REPLICATION_ROLE = ctx.topology;
}
