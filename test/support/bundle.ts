// A host-runnable bundle for the entrypoint tests, rendered by the real renderer: the tests run
// exactly the entrypoint and config fragments a user gets. Secrets are not written here; each
// test hands its own to the entrypoint through *_FILE.
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseConfig } from '../../src/config/model.js';
import { renderBundle } from '../../src/render/bundle.js';

export type Role = 'primary' | 'replica';

export interface HostBundleOptions {
  /** REPLICATION_USER, written double-quoted into the pg_hba fragment. */
  replicationUser: string;
  /** Address field of the replication rule: a CIDR, or `samenet`. */
  replicationCidr: string;
}

export interface HostBundle {
  /** Absolute path of entrypoint/entrypoint.sh (mode 0755). */
  entrypoint: string;
  /** Absolute path of entrypoint/healthcheck.sh (mode 0755). */
  healthcheck: string;
  /** HA_CONFIG_DIR: holds the postgresql.conf and pg_hba.conf fragments (the same for every role). */
  configDir(role: Role): string;
}

/**
 * Render a single-host stack (it holds both roles' fragments) into `dir`. Everything in it is
 * world-readable and holds no secret, so the postgres user can run it whoever created it.
 */
export function makeHostBundle(dir: string, options: HostBundleOptions): HostBundle {
  const parsed = parseConfig(
    { REPLICATION_USER: options.replicationUser, REPLICATION_CIDR: options.replicationCidr, REPLICATION_PASSWORD: 'unused-here', POSTGRES_PASSWORD: 'unused-here' },
    { mode: 'stack' },
  );
  if (!parsed.ok) throw new Error(`test bundle config invalid: ${JSON.stringify(parsed.errors)}`);
  for (const file of renderBundle(parsed.config, 'test')) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  makeReadable(dir);
  return {
    entrypoint: join(dir, 'entrypoint', 'entrypoint.sh'),
    healthcheck: join(dir, 'entrypoint', 'healthcheck.sh'),
    // One configuration for every node: the role no longer picks a directory.
    configDir: () => join(dir, 'config'),
  };
}

function makeReadable(path: string): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) makeReadable(join(path, name));
  } else {
    chmodSync(path, path.endsWith('.sh') ? 0o755 : 0o644);
  }
}
