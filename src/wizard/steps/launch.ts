// After writing: start the bundle with the engine preflight found, stream the engine's output,
// and end on the replication status table and the connection strings.
import chalk from 'chalk';
import type { Config } from '../../config/model.js';
import type { Engine } from '../../engine/engine.js';
import type { Launcher, WizardContext } from '../context.js';

export async function launch(ctx: Pick<WizardContext, 'say'>, launcher: Launcher, engine: Engine, config: Config, outDir: string): Promise<void> {
  ctx.say(chalk.bold(`\nStarting it in ${outDir} with ${engine.compose.join(' ')}:`));
  const streaming = await launcher.start(engine, config, outDir);
  const replicas = streaming.length === 0 ? '' : `; ${streaming.length} replica(s) streaming`;
  ctx.say(chalk.green(`\nRunning${replicas}.`));
}
