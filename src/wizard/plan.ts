// The answers as the generator sees them for one output directory: the settings map, the config
// the model makes of it, and the file plan compared with what is on disk (--dry-run's view).
import { join } from 'node:path';
import type { Config, RawSettings } from '../config/model.js';
import { loadConfig } from '../generate.js';
import { compareWithDisk, type Change } from '../output/changes.js';
import { buildPlan } from '../output/plan.js';
import { readExistingSecret } from '../output/secrets.js';
import { SECRET_DIR } from '../render/view.js';
import { TOOL_VERSION } from '../version.js';
import { modeOf, type WizardContext } from './context.js';

export interface WizardPlan {
  settings: RawSettings;
  config: Config;
  changes: Change[];
}

type Ctx = Pick<WizardContext, 'settings' | 'topology' | 'secrets' | 'force'>;

/**
 * The settings for `outDir`. A primary's replication password that the wizard generated yields
 * to the one a bundle already in `outDir` holds: --stack keeps its generated secrets the same
 * way, and the replicas of a running primary already use that one.
 */
function settingsFor(ctx: Ctx, outDir: string): RawSettings {
  const kept = join(outDir, SECRET_DIR, 'replication_password');
  if (ctx.topology !== 'primary' || ctx.secrets.REPLICATION_PASSWORD !== 'generated' || readExistingSecret(kept) === undefined) return { ...ctx.settings };
  const settings: Record<string, string | undefined> = { ...ctx.settings, REPLICATION_PASSWORD_FILE: kept };
  delete settings.REPLICATION_PASSWORD;
  return settings;
}

/** `outDir` must be absolute: the plan's secrets and the comparison are resolved against it. */
export function planFor(ctx: Ctx, outDir: string): WizardPlan {
  const settings = settingsFor(ctx, outDir);
  const config = loadConfig(modeOf(ctx.topology), settings);
  const changes = compareWithDisk(buildPlan(config, outDir, TOOL_VERSION), outDir, ctx.force);
  return { settings, config, changes };
}
