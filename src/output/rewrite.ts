// Re-render a bundle from its own manifest with changed settings (a stack's new PRIMARY_SERVICE
// after a switchover or failover; a per-host node's new REPLICATION_ROLE or PRIMARY_HOST after
// failover, follow or rejoin, with its service name and published port pinned so that its volume
// stays) and write only the files whose content changed, all or nothing
// (atomic-write.ts: each file is renamed into place, so the entrypoint, which reads its env file
// through a directory mount at every start, sees either the old file or the new one). Secrets
// are kept: they are read from secrets/ and never regenerated. Afterwards the files on disk are
// what a fresh render of the live topology gives, so no `compose up`, `start` or restart can
// bring a node up in a role it no longer has.
import type { Config, RawSettings } from '../config/model.js';
import { TOOL_VERSION } from '../version.js';
import { writeAtomically } from './atomic-write.js';
import { compareWithDisk } from './changes.js';
import { loadBundleConfig, readManifest, type Manifest } from './manifest.js';
import { buildPlan } from './plan.js';

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

/**
 * What a per-host node keeps through a role change, as settings: its compose service (so its env
 * file and data volume; manifests written before SERVICE_NAME existed name it in services[0]) and
 * the host port it is published on (a primary publishes PRIMARY_PORT, a replica REPLICA_PORT).
 * Nothing for a stack, or when REPLICATION_ROLE does not change.
 */
export function nodeIdentityPins(manifest: Pick<Manifest, 'mode' | 'role' | 'services' | 'settings'>, patch: RawSettings): RawSettings {
  const role = patch.REPLICATION_ROLE;
  const own = manifest.services[0];
  if (manifest.mode !== 'node' || role === undefined || role === manifest.role || own === undefined) return {};
  const port = String(own.publishPort);
  return { SERVICE_NAME: manifest.settings.SERVICE_NAME ?? own.name, ...(role === 'primary' ? { PRIMARY_PORT: port } : { REPLICA_PORT: port }) };
}

/** The bundle's config with `patch` over its manifest's settings (and the node's identity pinned); throws InvalidConfigError when the model refuses it. */
export function patchedBundleConfig(dir: string, patch: RawSettings): Config {
  return loadBundleConfig(dir, { ...nodeIdentityPins(readManifest(dir), patch), ...patch }).config;
}

export function rewriteBundle(dir: string, patch: RawSettings, options: RewriteOptions = {}): RewriteResult {
  const config = patchedBundleConfig(dir, patch);
  const plan = buildPlan(config, dir, options.toolVersion ?? TOOL_VERSION);
  // force: every generated file converges to the new render; secrets that exist are kept as they are.
  const changes = compareWithDisk(plan, dir, true).filter((c) => c.status === 'create' || c.status === 'update');
  if (!options.dryRun) writeAtomically(changes.map((c) => ({ target: c.target, content: c.file.content, mode: c.file.mode })));
  return { config, written: changes.map((c) => c.file.path) };
}
