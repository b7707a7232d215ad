// Bundles rendered by the real renderer (loadConfig + generate from src/generate.ts), exactly as
// `pg-ha-init --stack` / `--from-env` would write them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import type { Config, RawSettings } from '../../../src/config/model.js';
import type { Mode } from '../../../src/config/settings.js';
import { generate, loadConfig } from '../../../src/generate.js';
import { literalEnv } from '../../support/env-file.js';

export { literalEnv };

export interface Bundle {
  dir: string;
  mode: Mode;
  settings: RawSettings;
  config: Config;
  /** Secret values as written to secrets/ (given or generated). */
  secrets: { replication: string; postgres?: string };
  /** Re-render in place with changed settings (--force; existing secret files are kept). */
  rerender(patch: RawSettings): void;
  read(path: string): string;
  /** Rewrite an env file line by line (e.g. drop HA_MODE), as an operator editing it would. */
  editEnvFile(service: string, edit: (lines: string[]) => string[]): void;
}

function readSecret(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, 'secrets', name), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Where a service keeps its data, as the bundle says (compose.yaml's first volume, the env file's
 * PGDATA): up to 17 the volume is /var/lib/postgresql/data and PGDATA its pgdata/; from 18 the
 * volume is /var/lib/postgresql and PGDATA 18/docker in it. `inVolume` is PGDATA relative to the
 * volume, `staging(kind)` the entrypoint's sibling staging directory (kind: clone or init).
 */
export interface DataLayout {
  volumeName: string;
  mount: string;
  pgdata: string;
  inVolume: string;
  staging(kind: 'clone' | 'init'): string;
}

export function dataLayout(bundle: Bundle, service: string): DataLayout {
  const compose = parse(bundle.read('compose.yaml')) as { services: Record<string, { volumes: string[]; env_file: string[] }> };
  const svc = compose.services[service];
  if (!svc) throw new Error(`${bundle.dir}: no service ${service}`);
  const [volumeName = '', mount = ''] = (svc.volumes[0] ?? '').split(':');
  const pgdata = literalEnv(bundle.read(svc.env_file[0] ?? '')).PGDATA;
  if (!pgdata || !pgdata.startsWith(`${mount}/`)) throw new Error(`${service}: PGDATA ${pgdata} is not inside the volume at ${mount}`);
  const inVolume = posix.relative(mount, pgdata);
  return {
    volumeName, mount, pgdata, inVolume,
    staging: (kind) => posix.join(posix.dirname(inVolume), `.${posix.basename(inVolume)}.${kind}`),
  };
}

export function renderBundle(dir: string, mode: Mode, settings: RawSettings): Bundle {
  let current: RawSettings = settings;
  const render = (force: boolean): Config => {
    const config = loadConfig(mode, current);
    generate(config, { outDir: dir, dryRun: false, force });
    return config;
  };
  const bundle: Bundle = {
    dir,
    mode,
    settings: current,
    config: render(false),
    secrets: { replication: '' },
    rerender(patch) {
      current = { ...current, ...patch };
      bundle.settings = current;
      bundle.config = render(true);
    },
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    editEnvFile(service, edit) {
      const path = join(dir, 'env', `${service}.env`);
      const lines = readFileSync(path, 'utf8').split('\n');
      writeFileSync(path, edit(lines).join('\n'));
    },
  };
  const replication = readSecret(dir, 'replication_password');
  if (replication === undefined) throw new Error(`${dir}: no secrets/replication_password after rendering`);
  bundle.secrets = { replication, postgres: readSecret(dir, 'postgres_password') };
  return bundle;
}
