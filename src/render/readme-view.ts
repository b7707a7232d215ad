// Facts the bundle's README prints: commands are complete and quoted for the shell, and no
// password ever appears (connection strings point at the secret files instead).
import { nonSecretSettings, type Config } from '../config/model.js';
import { CONTAINER_PORT, services } from './topology.js';
import { imageFor, MAX_SLOT_WAL_KEEP_SIZE } from './view.js';

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
  };
}
