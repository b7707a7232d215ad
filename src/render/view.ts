// The data each template sees. Every field is present (null or false instead of missing),
// because templates compile in strict mode and a missing field must be a bug, not a blank. Every
// view also carries `settings`: each non-secret setting by variable name, so a new setting of the
// table reaches a template as {{env settings.NAME}} without a view change.
import { nonSecretSettings, type Config } from '../config/model.js';
import { CONFIG_MOUNT, CONTAINER_PORT, ENTRYPOINT_MOUNT, ENV_MOUNT, services, type Service } from './topology.js';

export const SECRET_DIR = 'secrets';
const SECRET_MOUNT_DIR = '/run/secrets';

export function imageFor(config: Config): string {
  return `postgres:${config.pgMajor}`;
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
    secretFiles: secretNames.map((name) => ({ name, path: `./${SECRET_DIR}/${name}` })),
  };
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
  return {
    settings: nonSecretSettings(config),
    listenAddresses: '*',
    maxSlotWalKeepSize: MAX_SLOT_WAL_KEEP_SIZE,
    replicationUser: config.replicationUser,
    replicationCidr: cidr,
    replicationCidrNote: cidr === 'samenet' ? 'this compose network (samenet)' : cidr,
  };
}
