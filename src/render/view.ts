// The data each template sees. Every field is present (null or false instead of missing),
// because templates compile in strict mode and a missing field must be a bug, not a blank. Every
// view also carries `settings`: each non-secret setting by variable name, so a new setting of the
// table reaches a template as {{env settings.NAME}} without a view change.
import { parseBoolean } from '../config/booleans.js';
import { nonSecretSettings, type Config } from '../config/model.js';
import { composeBytes, formatMemory, shmSizeFor, sizeServer, sizingInput, type SizingInput } from '../config/sizing.js';
import { CONFIG_MOUNT, CONTAINER_PORT, ENTRYPOINT_MOUNT, ENV_MOUNT, services, type Service } from './topology.js';

export const SECRET_DIR = 'secrets';
const SECRET_MOUNT_DIR = '/run/secrets';

export function imageFor(config: Config): string {
  return `postgres:${config.pgMajor}`;
}

/** The bundle folder for the official image's init scripts, and where the primary mounts it. */
export const INITDB_DIR = 'initdb.d';
const INITDB_MOUNT = '/docker-entrypoint-initdb.d';

/** The sizing input, or undefined without PG_MEMORY/PG_CPUS (the model has checked the group). */
export function sizingOf(config: Config): SizingInput | undefined {
  return sizingInput({
    PG_MEMORY: config.pgMemory, PG_CPUS: config.pgCpus, PG_STORAGE: config.pgStorage, PG_MAX_CONNECTIONS: config.maxConnections,
  });
}

/** Compose resources, the same for every service: shm_size always, limits when PG_LIMITS=true. */
function resources(config: Config) {
  const sizing = sizingOf(config);
  const limits = sizing !== undefined && parseBoolean(config.pgLimits) === true;
  return {
    shmSize: shmSizeFor(sizing?.memoryKb),
    memLimit: limits ? composeBytes(sizing.memoryKb) : null,
    cpus: limits ? String(sizing.cpus) : null,
  };
}

function composeService(service: Service) {
  const publish = service.publishAddress === undefined ? '' : `${service.publishAddress}:`;
  return {
    name: service.name,
    role: service.role,
    envFile: `./env/${service.name}.env`,
    secrets: service.secrets,
    volume: `${service.name}-data`,
    volumeMount: `${service.name}-data:${service.dataPath.volume}`,
    entrypointMount: `./entrypoint:${ENTRYPOINT_MOUNT}:ro`,
    // One configuration for every node: promotion needs no new mount.
    configMount: `./config:${CONFIG_MOUNT}:ro`,
    // The directory, not the file: a single-file bind mount keeps the old inode after the bundle
    // is rewritten atomically (rename), and the entrypoint must read the current file.
    envMount: `./env:${ENV_MOUNT}:ro`,
    nodeEnvFile: `${ENV_MOUNT}/${service.name}.env`,
    portMapping: `${publish}${service.publishPort}:${CONTAINER_PORT}`,
    // A replica's first start includes the base backup: give it time before failures count,
    // but not so long that a replica that cannot stream looks "starting" for an hour.
    startPeriod: service.role === 'replica' ? '10m' : '2m',
    dependsOn: service.dependsOn,
    // Init scripts run on a new primary cluster only; replicas get their result by cloning.
    initdbMount: service.role === 'primary' ? `./${INITDB_DIR}:${INITDB_MOUNT}:ro` : null,
  };
}

export function composeView(config: Config, toolVersion: string) {
  const list = services(config);
  const secretNames = [...new Set(list.flatMap((s) => s.secrets.map((x) => x.name)))];
  return {
    settings: nonSecretSettings(config),
    toolVersion,
    modeTitle: config.mode === 'stack' ? `single-host stack: primary + ${config.replicaCount} replica(s)` : `this host's ${config.role}`,
    image: imageFor(config),
    entrypointPath: `${ENTRYPOINT_MOUNT}/entrypoint.sh`,
    healthcheckPath: `${ENTRYPOINT_MOUNT}/healthcheck.sh`,
    services: list.map(composeService),
    resources: resources(config),
    secretFiles: secretNames.map((name) => ({ name, path: `./${SECRET_DIR}/${name}` })),
  };
}

/**
 * The application_names synchronous_standby_names lists with SYNC_REPLICAS = k >= 1, or null. In
 * a stack: every service's name (a replica's application_name is its service name), the
 * primary's own included, so that one line fits every node whichever is promoted; per host:
 * SYNC_REPLICA_NAMES.
 */
function syncStandbys(config: Config): { count: number; standbyNames: string; stack: boolean } | null {
  if (config.syncReplicas < 1) return null;
  const names = config.mode === 'stack' ? services(config).map((s) => s.name) : (config.syncReplicaNames ?? '').split(',');
  // Double-quoted: names are [a-z0-9_] (the model checks), and quoting keeps any of them from
  // being read as the grammar's ANY/FIRST keywords.
  return { count: config.syncReplicas, standbyNames: `ANY ${config.syncReplicas} (${names.map((n) => `"${n}"`).join(', ')})`, stack: config.mode === 'stack' };
}

export function envFileView(config: Config, service: Service) {
  const hasSuperuserSecret = service.secrets.some((s) => s.name === 'postgres_password');
  return {
    settings: nonSecretSettings(config),
    service: {
      name: service.name,
      role: service.role,
      primaryHost: service.primaryHost ?? null,
      primaryPort: service.primaryPort ?? null,
      replicaName: service.replicaName ?? null,
      peerHosts: service.peerHosts,
      pgdata: service.dataPath.pgdata,
    },
    primaryWaitTimeout: config.primaryWaitTimeout,
    replicationUser: config.replicationUser,
    replicationPasswordFile: `${SECRET_MOUNT_DIR}/replication_password`,
    postgresUser: config.postgresUser,
    superuserPasswordFile: hasSuperuserSecret ? `${SECRET_MOUNT_DIR}/postgres_password` : null,
    postgresDb: config.postgresDb,
    configMount: CONFIG_MOUNT,
  };
}

export const MAX_SLOT_WAL_KEEP_SIZE = '4GB';

/** The postgresql.conf and pg_hba.conf fragments: the same for every node. */
export function configView(config: Config) {
  const cidr = config.replicationCidr;
  const sizing = sizingOf(config);
  return {
    settings: nonSecretSettings(config),
    listenAddresses: '*',
    maxSlotWalKeepSize: MAX_SLOT_WAL_KEEP_SIZE,
    replicationUser: config.replicationUser,
    replicationCidr: cidr,
    replicationCidrNote: cidr === 'samenet' ? 'this compose network (samenet)' : cidr,
    sizing: sizing === undefined ? null : {
      memory: formatMemory(sizing.memoryKb), cpus: sizing.cpus, storage: sizing.storage, maxConnections: sizing.maxConnections,
      settings: sizeServer(sizing),
    },
    sync: syncStandbys(config),
  };
}
