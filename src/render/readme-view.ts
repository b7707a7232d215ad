// Facts the bundle's README prints: commands are complete and quoted for the shell, and no
// password ever appears (connection strings point at the secret files instead).
import { parseBoolean } from '../config/booleans.js';
import { nonSecretSettings, type Config } from '../config/model.js';
import { SETTINGS, defaultOf, type Setting } from '../config/settings.js';
import { CONTAINER_PORT, services } from './topology.js';
import { shmSizeFor } from '../config/sizing.js';
import { imageFor, MAX_SLOT_WAL_KEEP_SIZE, sizingOf } from './view.js';

/**
 * The settings that make this bundle, as NAME=value for a re-render's environment: every one
 * that differs from its default (a re-render does not read pg-ha-init.json), PG_MAJOR aside (the
 * upgrade sets it) and PRIMARY_SERVICE aside, secrets aside (their files are passed instead).
 */
function rerenderSettings(config: Config): { name: string; value: string }[] {
  const settings = nonSecretSettings(config);
  return Object.entries(settings)
    .filter(([name, value]) => {
      // PRIMARY_SERVICE too: the new stack is a fresh cluster, its primary is `primary` again.
      if (name === 'PG_MAJOR' || name === 'HA_MODE' || name === 'PRIMARY_SERVICE') return false;
      const setting = (SETTINGS as readonly Setting[]).find((s) => s.name === name);
      return setting === undefined || defaultOf(setting, config.mode, (other) => settings[other] ?? '') !== value;
    })
    .map(([name, value]) => ({ name, value }));
}

export function readmeView(config: Config, toolVersion: string) {
  const list = services(config);
  const replicas = list.filter((s) => s.role === 'replica');
  const primary = list.find((s) => s.role === 'primary') ?? null;
  const isStack = config.mode === 'stack';
  const nextReplica = `replica${replicas.length + 1}`;
  return {
    settings: nonSecretSettings(config),
    toolVersion,
    isStack,
    isPrimaryNode: !isStack && config.role === 'primary',
    isReplicaNode: !isStack && config.role === 'replica',
    image: imageFor(config),
    replicaCount: replicas.length,
    replicas: replicas.map((r) => ({ name: r.name, replicaName: r.replicaName ?? r.name, publishPort: r.publishPort })),
    stackServices: list.map((s) => ({ name: s.name, role: s.role, publishPort: s.publishPort, slot: s.replicaName ?? '' })),
    primaryService: primary?.name ?? 'primary',
    firstReplica: replicas[0]?.name ?? null,
    firstReplicaName: replicas[0]?.replicaName ?? null,
    primaryPublishPort: primary?.publishPort ?? null,
    primaryHost: isStack ? 'localhost' : config.primaryHost,
    primaryPort: config.primaryPort,
    containerPort: CONTAINER_PORT,
    replicationUser: config.replicationUser,
    replicationCidr: config.replicationCidr,
    postgresUser: config.postgresUser,
    postgresDb: config.postgresDb,
    pgdata: list[0]?.dataPath.pgdata ?? '',
    maxSlotWalKeepSize: MAX_SLOT_WAL_KEEP_SIZE,
    nextReplica,
    nextReplicaPort: (replicas.at(-1)?.publishPort ?? config.primaryPort) + 1,
    replicaPublishPortOrPrimary: replicas[0]?.publishPort ?? config.replicaPort,
    rerenderSettings: rerenderSettings(config),
    serviceNames: list.map((s) => s.name),
    syncReplicas: config.syncReplicas,
    sizing: sizingOf(config) !== undefined,
    shmSize: shmSizeFor(sizingOf(config)?.memoryKb),
    pgMemory: config.pgMemory ?? null,
    pgCpus: config.pgCpus ?? null,
    limits: parseBoolean(config.pgLimits) === true,
  };
}
