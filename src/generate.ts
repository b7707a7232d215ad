// The one-way flow shared by every mode: settings -> config model -> file plan -> compare with
// disk -> write (or only report, for --dry-run). Nothing is written unless every step succeeded.
import { resolve } from 'node:path';
import { InvalidConfigError } from './errors.js';
import { parseConfig, type Config, type RawSettings } from './config/model.js';
import type { Mode } from './config/settings.js';
import { RefusedError } from './errors.js';
import { writeAtomically } from './output/atomic-write.js';
import { compareWithDisk, type Change } from './output/changes.js';
import { buildPlan, type PlannedFile } from './output/plan.js';
import { TOOL_VERSION } from './version.js';

export function loadConfig(mode: Mode, settings: RawSettings): Config {
  const result = parseConfig(settings, { mode });
  if (!result.ok) throw new InvalidConfigError(result.errors);
  return result.config;
}

export function defaultOutDir(config: Config): string {
  return config.mode === 'stack' ? 'pg-ha-stack' : `pg-ha-${config.role}`;
}

export interface GenerateOptions {
  outDir: string;
  dryRun: boolean;
  force: boolean;
}

export interface GenerateResult {
  outDir: string;
  changes: Change[];
  written: boolean;
}

export interface Preview {
  outDir: string;
  plan: PlannedFile[];
  changes: Change[];
}

/** Render in memory and compare with the output directory; touches nothing. */
export function preview(config: Config, outDir: string, force = false): Preview {
  const absolute = resolve(outDir);
  const plan = buildPlan(config, absolute, TOOL_VERSION);
  return { outDir: absolute, plan, changes: compareWithDisk(plan, absolute, force) };
}

export function generate(config: Config, options: GenerateOptions): GenerateResult {
  const { outDir, changes } = preview(config, options.outDir, options.force);
  const conflicts = changes.filter((c) => c.status === 'conflict');
  if (conflicts.length > 0 && !options.dryRun) {
    const list = conflicts.map((c) => `  ${c.file.path}`).join('\n');
    throw new RefusedError(`these files exist in ${outDir} and differ from what would be written:\n${list}\nNothing was written. Re-run with --force to overwrite them (secrets that exist are always kept).`);
  }
  if (options.dryRun) return { outDir, changes, written: false };
  const toWrite = changes.filter((c) => c.status === 'create' || c.status === 'update');
  writeAtomically(toWrite.map((c) => ({ target: c.target, content: c.file.content, mode: c.file.mode })));
  return { outDir, changes, written: true };
}
