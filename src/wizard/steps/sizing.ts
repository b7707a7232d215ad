// Sizing (issue 12): memory, cores, storage and connections, from which the config fragment gets
// its sized values. The defaults proposed are this machine's memory and cores (its cgroup limits
// inside a container), or what the environment or a flag already says. A single-host stack runs
// every node on this machine, so there they are shared: each node is proposed its share. An empty
// memory answer keeps PostgreSQL's defaults, and the other three are not asked.
import { formatMemory, MEMORY_MIN_KB, STORAGE_DEFAULT, type Storage } from '../../config/sizing.js';
import { settingNamed } from '../../config/settings.js';
import { checkSetting } from '../check.js';
import type { WizardContext } from '../context.js';
import type { Machine } from '../machine.js';

const KB_PER_MB = 1024;

/** The machine's memory as PostgreSQL writes it: whole MB (whole GB when exact). */
export function proposedMemory(machine: Machine): string | undefined {
  const kb = machine.memoryKb - (machine.memoryKb % KB_PER_MB);
  return kb < MEMORY_MIN_KB ? undefined : formatMemory(kb);
}

type Ctx = Pick<WizardContext, 'prompt' | 'settings' | 'topology'> & { machine: () => Machine };

/** Each node's share of this machine: all of it for a node, 1/(replicas + 1) in a stack. */
export function shareOf(machine: Machine, nodes: number): Machine {
  return { memoryKb: Math.floor(machine.memoryKb / nodes), cpus: Math.max(1, Math.floor(machine.cpus / nodes)) };
}

export async function sizing(ctx: Ctx): Promise<void> {
  // Read once, only when asked: the wizard is the one place that looks at this machine.
  const whole = ctx.machine();
  const replicas = Number(ctx.settings.REPLICA_COUNT ?? '2');
  const nodes = ctx.topology === 'stack' && Number.isInteger(replicas) && replicas >= 1 ? replicas + 1 : 1;
  const machine = shareOf(whole, nodes);
  const shared = nodes > 1 ? `; this machine's ${formatMemory(whole.memoryKb - (whole.memoryKb % KB_PER_MB))} and ${whole.cpus} core(s) shared by ${nodes} nodes` : '';
  const memory = (await ctx.prompt.input({
    message: `${settingNamed('PG_MEMORY').prompt ?? 'PG_MEMORY:'} (empty: PostgreSQL's defaults${shared})`,
    default: ctx.settings.PG_MEMORY ?? proposedMemory(machine) ?? '',
    // Judged alone: PG_CPUS is asked next, so its "required" problem is not this answer's.
    validate: (value) => (value.trim() === '' ? true : checkSetting(ctx, 'PG_MEMORY', value.trim())),
  })).trim();
  if (memory === '') {
    for (const name of ['PG_MEMORY', 'PG_CPUS', 'PG_STORAGE', 'PG_MAX_CONNECTIONS']) delete ctx.settings[name];
    return;
  }
  ctx.settings.PG_MEMORY = memory;
  await ask(ctx, 'PG_CPUS', ctx.settings.PG_CPUS ?? String(machine.cpus));
  ctx.settings.PG_STORAGE = await ctx.prompt.select<Storage>({
    message: 'Storage of the data volume:',
    choices: [
      { value: 'ssd', name: 'SSD (also NVMe, SAN, cloud block storage)', description: 'random_page_cost 1.1, effective_io_concurrency 200' },
      { value: 'hdd', name: 'Spinning disks', description: 'random_page_cost 4, effective_io_concurrency 2' },
    ],
    default: ctx.settings.PG_STORAGE === 'hdd' ? 'hdd' : STORAGE_DEFAULT,
  });
  await ask(ctx, 'PG_MAX_CONNECTIONS', ctx.settings.PG_MAX_CONNECTIONS ?? '100');
}

async function ask(ctx: Ctx, name: string, fallback: string): Promise<void> {
  const answer = await ctx.prompt.input({
    message: settingNamed(name).prompt ?? `${name}:`,
    default: fallback,
    validate: (value) => checkSetting(ctx, name, value.trim()),
  });
  ctx.settings[name] = answer.trim();
}
