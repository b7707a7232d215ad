// Every variable the tool reads, in one table: --help, the README section and the wizard's
// defaults all come from here, so they cannot disagree about names or defaults.
export type Mode = 'node' | 'stack';

export interface Variable {
  name: string;
  group: 'Topology' | 'Replication' | 'Superuser' | 'Image and ports' | 'Compatibility';
  description: string;
  /** Human-readable default; undefined when the variable has none. */
  default?: string;
  secret?: boolean;
}

export const SECRET_NAMES = ['REPLICATION_PASSWORD', 'POSTGRES_PASSWORD'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export const PG_MAJORS = { min: 13, max: 18, current: 18 } as const;
export const MAX_REPLICAS = 8; // max_wal_senders = 10 leaves room for a base backup's two senders
export const DEFAULT_PRIMARY_PORT = 5432;

export const VARIABLES: readonly Variable[] = [
  { name: 'HA_MODE', group: 'Topology', default: 'native', description: 'High-availability mode. Only "native" (streaming replication) is generated.' },
  { name: 'REPLICATION_ROLE', group: 'Topology', description: 'This node\'s role with --from-env: "primary" or "replica".' },
  { name: 'PRIMARY_HOST', group: 'Topology', description: 'Host name or IP address of the primary (required for a replica).' },
  { name: 'PRIMARY_PORT', group: 'Topology', default: String(DEFAULT_PRIMARY_PORT), description: 'Port the primary is published on; replicas dial it.' },
  { name: 'REPLICA_NAME', group: 'Topology', default: 'replica1', description: 'A replica\'s name: its replication slot and application_name. Unique per replica.' },
  { name: 'REPLICA_PORT', group: 'Topology', default: '5432 (per-host replica); PRIMARY_PORT+1.. (single-host stack)', description: 'Host port a replica is published on.' },
  { name: 'REPLICA_COUNT', group: 'Topology', default: '2', description: `Replicas in a single-host stack (1..${MAX_REPLICAS}).` },
  { name: 'REPLICATION_USER', group: 'Replication', default: 'replicator', description: 'Role the replicas connect as.' },
  { name: 'REPLICATION_PASSWORD', group: 'Replication', secret: true, description: 'Its password (or REPLICATION_PASSWORD_FILE). Required with --from-env; generated for a single-host stack.' },
  { name: 'REPLICATION_CIDR', group: 'Replication', default: '0.0.0.0/0 (per-host, as the spec says); samenet (single-host stack)', description: 'Addresses pg_hba allows to replicate (a CIDR, or samenet).' },
  { name: 'PRIMARY_WAIT_TIMEOUT', group: 'Replication', default: '300', description: 'Seconds an empty replica waits for the primary before it gives up.' },
  { name: 'POSTGRES_USER', group: 'Superuser', default: 'postgres', description: 'Bootstrap superuser (official image semantics).' },
  { name: 'POSTGRES_PASSWORD', group: 'Superuser', secret: true, description: 'Its password (or POSTGRES_PASSWORD_FILE). Generated when unset.' },
  { name: 'POSTGRES_DB', group: 'Superuser', default: '$POSTGRES_USER', description: 'Database created at first start.' },
  { name: 'PG_MAJOR', group: 'Image and ports', default: String(PG_MAJORS.current), description: `PostgreSQL major version, ${PG_MAJORS.min}..${PG_MAJORS.max}: the image is postgres:<PG_MAJOR>.` },
  { name: 'USE_PATRONI', group: 'Compatibility', default: 'false', description: 'Must not be true with HA_MODE=native (true, TRUE, 1 and yes count as true).' },
  { name: 'USE_CITUS', group: 'Compatibility', default: 'false', description: 'Must not be true with HA_MODE=native.' },
];
