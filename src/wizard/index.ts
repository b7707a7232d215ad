// The wizard: the steps in order, over one context, with an injected prompt object and launcher.
// Nothing is written before the summary is confirmed; Ctrl-C at any prompt writes nothing.
import chalk from 'chalk';
import type { Config, RawSettings } from '../config/model.js';
import { generate } from '../generate.js';
import { LaunchError } from '../errors.js';
import { nextSteps } from '../output/report.js';
import { Cancelled } from '../errors.js';
import { isPromptExit } from './cancel.js';
import { checkEnvironment } from './check.js';
import type { Launcher, Topology, WizardContext } from './context.js';
import { planFor } from './plan.js';
import type { Prompts } from './prompts.js';
import { thisMachine, type Machine } from './machine.js';
import { cidr } from './steps/cidr.js';
import { durability } from './steps/durability.js';
import { launch } from './steps/launch.js';
import { outputDir } from './steps/output-dir.js';
import { passwords } from './steps/passwords.js';
import { primary } from './steps/primary.js';
import { replicaName } from './steps/replica-name.js';
import { replicas } from './steps/replicas.js';
import { replicationUser } from './steps/replication-user.js';
import { sizing } from './steps/sizing.js';
import { summary, summaryText, type Readiness } from './steps/summary.js';
import { topology } from './steps/topology.js';
import { version } from './steps/version.js';

export interface WizardOptions {
  prompt: Prompts;
  say: (line: string) => void;
  /** The environment and the flags by variable name (flags win): the answers' defaults. */
  settings: RawSettings;
  out?: string;
  force: boolean;
  dryRun: boolean;
  launcher: Launcher;
  /** This machine's memory and cores, proposed by the sizing questions; injectable for tests. */
  machine?: () => Machine;
}

export interface WizardResult {
  topology: Topology;
  /** What --stack (topology "stack") or --from-env would read to produce the same bundle. */
  settings: RawSettings;
  config: Config;
  outDir: string;
  written: boolean;
  launched: boolean;
}

export async function runWizard(options: WizardOptions): Promise<WizardResult> {
  checkEnvironment(options.settings);
  const ctx: WizardContext = {
    prompt: options.prompt, say: options.say, topology: 'stack', settings: { ...options.settings },
    secrets: {}, out: options.out, force: options.force,
  };
  try {
    return await run(ctx, options);
  } catch (error) {
    if (isPromptExit(error)) throw new Cancelled();
    throw error;
  }
}

async function readiness(launcher: Launcher, outDir: string): Promise<Readiness> {
  try {
    return { engine: await launcher.preflight(outDir) };
  } catch (error) {
    if (error instanceof LaunchError) return { problem: error.message };
    throw error;
  }
}

async function run(ctx: WizardContext, options: WizardOptions): Promise<WizardResult> {
  ctx.say(`${chalk.bold('pg-ha-init')}: PostgreSQL streaming replication for Docker Compose. ${chalk.dim('Enter takes the default; Ctrl-C quits and writes nothing.')}`);
  await topology(ctx);
  await version(ctx);
  if (ctx.topology === 'replica') {
    await primary(ctx);
    await replicaName(ctx);
  }
  await replicationUser(ctx);
  await passwords(ctx);
  // A stack's replicas live on its own compose network ("samenet"); only nodes choose who replicates.
  if (ctx.topology === 'stack') await replicas(ctx);
  else await cidr(ctx);
  // A replica's durability is its primary's setting; a per-host replica is not asked.
  if (ctx.topology !== 'replica') await durability(ctx);
  await sizing({ ...ctx, machine: options.machine ?? thisMachine });
  const outDir = await outputDir(ctx);

  const plan = planFor(ctx, outDir);
  const result = { topology: ctx.topology, settings: plan.settings, config: plan.config, outDir, written: false, launched: false };
  if (options.dryRun) {
    ctx.say(summaryText(plan, outDir, ctx.secrets));
    ctx.say('Dry run (--dry-run): nothing was written.');
    return result;
  }
  const ready = await readiness(options.launcher, outDir);
  const action = await summary(ctx, plan, outDir, ready);
  if (action === 'cancel') throw new Cancelled();

  const written = generate(plan.config, { outDir, dryRun: false, force: ctx.force });
  const count = written.changes.filter((c) => c.status === 'create' || c.status === 'update').length;
  ctx.say(chalk.bold(`Wrote ${count} file(s) to ${outDir}.`));
  if (action === 'write' || !('engine' in ready)) {
    ctx.say(nextSteps(plan.config, outDir));
    return { ...result, written: true };
  }
  await launch(ctx, options.launcher, ready.engine, plan.config, outDir);
  return { ...result, written: true, launched: true };
}
