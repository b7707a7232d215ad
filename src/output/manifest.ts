// pg-ha-init.json, at the root of every bundle: what the bundle is (tool version, mode, role,
// services, PostgreSQL major) and its non-secret settings as the model resolved them. Later
// commands (status, switchover, a re-render, --check) read it to work from the directory alone:
// loadBundleConfig(dir) gives back the config that rendered it. Never a secret: passwords stay in
// secrets/, which the loader points the model at.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nonSecretSettings, parseConfig, type Config, type RawSettings, type Role } from '../config/model.js';
import type { Mode } from '../config/settings.js';
import { InvalidConfigError, UsageError } from '../errors.js';
import { services } from '../render/topology.js';
import { SECRET_DIR } from '../render/view.js';

export const MANIFEST_PATH = 'pg-ha-init.json';

export interface ManifestService {
  name: string;
  role: Role;
  /** Host address and port the container's 5432 is published on (null: every interface). */
  publishAddress: string | null;
  publishPort: number;
  /** A replica's slot and application_name, and where it dials its primary. */
  replicaName: string | null;
  primaryHost: string | null;
  primaryPort: number | null;
}

export interface Manifest {
  tool: 'pg-ha-init';
  version: string;
  mode: Mode;
  role: Role;
  pgMajor: number;
  services: ManifestService[];
  /** Every non-secret setting by variable name, as the model resolved it (defaults included). */
  settings: Record<string, string>;
}

function manifestOf(config: Config, toolVersion: string): Manifest {
  return {
    tool: 'pg-ha-init',
    version: toolVersion,
    mode: config.mode,
    role: config.role,
    pgMajor: config.pgMajor,
    services: services(config).map((s) => ({
      name: s.name,
      role: s.role,
      publishAddress: s.publishAddress ?? null,
      publishPort: s.publishPort,
      replicaName: s.replicaName ?? null,
      primaryHost: s.primaryHost ?? null,
      primaryPort: s.primaryPort ?? null,
    })),
    settings: nonSecretSettings(config),
  };
}

export function manifestText(config: Config, toolVersion: string): string {
  return `${JSON.stringify(manifestOf(config, toolVersion), null, 2)}\n`;
}

/** The manifest of the bundle in `dir`; a usage error when there is none or it is not one. */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_PATH);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new UsageError(`${path} ${reason}: is ${dir} a bundle written by pg-ha-init? (Bundles written before the manifest existed get one when re-rendered with the same settings.)`);
  }
  const manifest = parsed as Partial<Manifest>;
  if (manifest.tool !== 'pg-ha-init' || (manifest.mode !== 'node' && manifest.mode !== 'stack') || typeof manifest.settings !== 'object' || manifest.settings === null) {
    throw new UsageError(`${path} is not a pg-ha-init manifest (no tool, mode or settings).`);
  }
  return manifest as Manifest;
}

export interface BundleConfig {
  manifest: Manifest;
  /** The config that rendered the bundle; its passwords are read from the bundle's secrets/. */
  config: Config;
}

/**
 * The config of the bundle in `dir`, from its manifest and its secret files, with `patch` over the
 * manifest's settings: without a patch, rendering it into `dir` again writes the same files.
 * A secret the bundle does not hold is left to the model's default (generated), except the
 * superuser's in a per-host bundle: there it is `absent`, so a replica promoted in place never
 * gets a generated password its data does not have (POSTGRES_PASSWORD_FILE in `patch` gives one).
 * Throws InvalidConfigError when the manifest was edited into something the model refuses.
 */
export function loadBundleConfig(dir: string, patch: RawSettings = {}): BundleConfig {
  const manifest = readManifest(dir);
  const settings: Record<string, string | undefined> = { ...manifest.settings };
  for (const [variable, file] of [['REPLICATION_PASSWORD', 'replication_password'], ['POSTGRES_PASSWORD', 'postgres_password']] as const) {
    const path = join(dir, SECRET_DIR, file);
    if (existsSync(path)) settings[`${variable}_FILE`] = path;
  }
  Object.assign(settings, patch);
  const result = parseConfig(settings, { mode: manifest.mode });
  if (!result.ok) throw new InvalidConfigError(result.errors);
  const superuserAbsent = manifest.mode === 'node' && settings.POSTGRES_PASSWORD_FILE === undefined && settings.POSTGRES_PASSWORD === undefined;
  return { manifest, config: superuserAbsent ? { ...result.config, postgresPassword: { kind: 'absent' } } : result.config };
}
