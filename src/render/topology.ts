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
  /** The service this one waits for (healthy) before it starts: a stack's primary, for every other service. */
  dependsOn: string | null;
  /** The other nodes a primary asks at every start whether one of them already is the primary (PEER_HOSTS). */
  peerHosts: string | null;
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
/** The bundle's env/ directory, mounted read-only: the entrypoint reads its node's file at every start. */
export const ENV_MOUNT = '/opt/pg-ha-init/env';
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

/** The services of a single-host stack, in order: primary, replica1..N (names never change). */
export function stackServiceNames(replicaCount: number): string[] {
  return ['primary', ...Array.from({ length: replicaCount }, (_, i) => `replica${i + 1}`)];
}

/** A per-host node's peers are what the user gave (PEER_HOSTS); a stack derives its own. */
function givenPeers(config: Config): string | null {
  return config.peerHosts === undefined || config.peerHosts === '' ? null : config.peerHosts;
}

/** A per-host node's compose service name: SERVICE_NAME, else its role. */
export function nodeServiceName(config: Pick<Config, 'serviceName' | 'role'>): string {
  return config.serviceName ?? config.role;
}

export function services(config: Config): Service[] {
  const data = dataPath(config.pgMajor);
  if (config.mode === 'stack') {
    // A trial stack on one machine: published on loopback only, replicas dial the primary by
    // its service name on the compose network. Which service is the primary is a setting
    // (PRIMARY_SERVICE), so a switchover re-renders the same stack with another one: names,
    // ports and volumes stay with the service; roles, env files and dependencies move. Every
    // service holds both secrets: any of them may be promoted, and pg_rewind and a re-clone
    // need the superuser's password.
    const names = stackServiceNames(config.replicaCount);
    const primaryName = config.primaryService;
    return names.map((name, i): Service => {
      const publishPort = i === 0 ? config.primaryPort : config.replicaPort + i - 1;
      const peerHosts = names.filter((n) => n !== name).map((n) => `${n}:${CONTAINER_PORT}`).join(',');
      const common = { name, publishAddress: '127.0.0.1', publishPort, dataPath: data, secrets: [REPLICATION_SECRET, SUPERUSER_SECRET], peerHosts };
      if (name === primaryName) return { ...common, role: 'primary', dependsOn: null };
      return { ...common, role: 'replica', replicaName: name, primaryHost: primaryName, primaryPort: CONTAINER_PORT, dependsOn: primaryName };
    });
  }
  // A per-host node's service (and so its env file and volume) is SERVICE_NAME when set, else its
  // role: day-2 commands pin it before a role change, so the data volume stays the same.
  const name = nodeServiceName(config);
  if (config.role === 'primary') {
    return [{
      name, role: 'primary', publishPort: config.primaryPort, dataPath: data,
      // A replica promoted by `failover` holds no superuser secret unless one was given: its data
      // has the old primary's password, and the entrypoint needs one only to initialise an empty
      // PGDATA (where it refuses to start without, which is right).
      secrets: config.postgresPassword.kind === 'absent' ? [REPLICATION_SECRET] : [REPLICATION_SECRET, SUPERUSER_SECRET],
      dependsOn: null, peerHosts: givenPeers(config),
    }];
  }
  return [{
    name, role: 'replica', replicaName: config.replicaName, primaryHost: config.primaryHost, primaryPort: config.primaryPort,
    publishPort: config.replicaPort, dataPath: data, secrets: [REPLICATION_SECRET], dependsOn: null, peerHosts: givenPeers(config),
  }];
}
