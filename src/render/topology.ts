// What runs where: the services a bundle holds, derived from the config alone. Templates only
// print these; every decision about names, ports and paths is made here.
import type { Config, Role } from '../config/model.js';

export interface Service {
  name: string;
  role: Role;
  /** Slot and application_name of a replica. */
  replicaName?: string;
  /** Where this container dials the primary. */
  primaryHost?: string;
  primaryPort?: number;
  /** Host address and port the container's 5432 is published on. */
  publishAddress?: string;
  publishPort: number;
  dataPath: DataPath;
  secrets: SecretFile[];
  dependsOnPrimary: boolean;
}

export interface DataPath {
  /** Where the named volume is mounted. */
  volume: string;
  /** PGDATA: a subdirectory of the volume, so a finished clone can be renamed into place. */
  pgdata: string;
}

export interface SecretFile {
  name: 'replication_password' | 'postgres_password';
  variable: 'REPLICATION_PASSWORD' | 'POSTGRES_PASSWORD';
}

export const CONTAINER_PORT = 5432;
export const CONFIG_MOUNT = '/etc/pg-ha-init';
export const ENTRYPOINT_MOUNT = '/opt/pg-ha-init/entrypoint';

const REPLICATION_SECRET: SecretFile = { name: 'replication_password', variable: 'REPLICATION_PASSWORD' };
const SUPERUSER_SECRET: SecretFile = { name: 'postgres_password', variable: 'POSTGRES_PASSWORD' };

/** PostgreSQL 18 images keep PGDATA under /var/lib/postgresql/18/docker with the volume one level up. */
export function dataPath(pgMajor: number): DataPath {
  if (pgMajor >= 18) return { volume: '/var/lib/postgresql', pgdata: `/var/lib/postgresql/${pgMajor}/docker` };
  // Older images declare VOLUME /var/lib/postgresql/data: mount there so no anonymous volume
  // appears, and keep PGDATA one level down, as the image's own docs advise.
  return { volume: '/var/lib/postgresql/data', pgdata: '/var/lib/postgresql/data/pgdata' };
}

export function services(config: Config): Service[] {
  const data = dataPath(config.pgMajor);
  const primary = (publishAddress: string | undefined): Service => ({
    name: 'primary', role: 'primary', publishAddress, publishPort: config.primaryPort, dataPath: data,
    secrets: [REPLICATION_SECRET, SUPERUSER_SECRET], dependsOnPrimary: false,
  });
  const replica = (name: string, replicaName: string, primaryHost: string, primaryPort: number, publishAddress: string | undefined, publishPort: number, dependsOnPrimary: boolean): Service => ({
    name, role: 'replica', replicaName, primaryHost, primaryPort, publishAddress, publishPort, dataPath: data,
    secrets: [REPLICATION_SECRET], dependsOnPrimary,
  });

  if (config.mode === 'stack') {
    // A trial stack on one machine: published on loopback only, replicas dial the primary by
    // its service name on the compose network.
    const replicas = Array.from({ length: config.replicaCount }, (_, i) => {
      const name = `replica${i + 1}`;
      return replica(name, name, 'primary', CONTAINER_PORT, '127.0.0.1', config.replicaPort + i, true);
    });
    return [primary('127.0.0.1'), ...replicas];
  }
  if (config.role === 'primary') return [primary(undefined)];
  return [replica('replica', config.replicaName, config.primaryHost, config.primaryPort, undefined, config.replicaPort, false)];
}

export function rolesIn(list: readonly Service[]): Role[] {
  return [...new Set(list.map((s) => s.role))];
}
