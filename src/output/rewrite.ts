// Re-render a bundle from its own manifest with changed settings (a new PRIMARY_SERVICE after a
// switchover or failover) and write only the files whose content changed, all or nothing
// (atomic-write.ts: each file is renamed into place, so the entrypoint, which reads its env file
// through a directory mount at every start, sees either the old file or the new one). Secrets
// are kept: they are read from secrets/ and never regenerated. Afterwards the files on disk are
// what a fresh render of the live topology gives, so no `compose up`, `start` or restart can
// bring a node up in a role it no longer has.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type Config, type RawSettings } from '../config/model.js';
import { InvalidConfigError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { writeAtomically } from './atomic-write.js';
import { compareWithDisk } from './changes.js';
import { loadBundleConfig } from './manifest.js';
import { buildPlan } from './plan.js';
import { SECRET_DIR } from '../render/view.js';

export interface RewriteResult {
  /** The config the bundle now holds. */
  config: Config;
  /** Paths (relative to the bundle) written, or that would be with dryRun. */
  written: string[];
}

export interface RewriteOptions {
  dryRun?: boolean;
  toolVersion?: string;
}

/** The bundle's config with `patch` over its manifest's settings; throws InvalidConfigError when the model refuses it. */
export function patchedBundleConfig(dir: string, patch: RawSettings): Config {
  const { manifest } = loadBundleConfig(dir);
  const settings: Record<string, string | undefined> = { ...manifest.settings, ...patch };
  for (const [variable, file] of [['REPLICATION_PASSWORD', 'replication_password'], ['POSTGRES_PASSWORD', 'postgres_password']] as const) {
    const path = join(dir, SECRET_DIR, file);
    // As loadBundleConfig: a secret the bundle does not hold is left to the model's default.
    if (existsSync(path)) settings[`${variable}_FILE`] = path;
  }
  const result = parseConfig(settings, { mode: manifest.mode });
  if (!result.ok) throw new InvalidConfigError(result.errors);
  return result.config;
}

export function rewriteBundle(dir: string, patch: RawSettings, options: RewriteOptions = {}): RewriteResult {
  const config = patchedBundleConfig(dir, patch);
  const plan = buildPlan(config, dir, options.toolVersion ?? TOOL_VERSION);
  // force: every generated file converges to the new render; secrets that exist are kept as they are.
  const changes = compareWithDisk(plan, dir, true).filter((c) => c.status === 'create' || c.status === 'update');
  if (!options.dryRun) writeAtomically(changes.map((c) => ({ target: c.target, content: c.file.content, mode: c.file.mode })));
  return { config, written: changes.map((c) => c.file.path) };
}
