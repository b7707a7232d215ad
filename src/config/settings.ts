// Every setting pg-ha-init reads, declared once. Each entry carries its name (the environment
// variable), its flag, its default per mode, its rule and fix, the wizard's question and the
// one-line doc. The config model, the flags, --help, the wizard's defaults and the list of
// variables read from the environment are all derived from this table; tests hold the README's
// variable table and the entrypoint's set_defaults (env.sh) to it.
//
// To add a setting: add an entry here, with a `key` (its value then appears as config[key], typed
// by `type`, in the bundle's manifest, and in every template as {{env settings.NAME}}), and use
// it in a template. If the entrypoint reads it with a default, mark it `entrypoint` and add the
// same default to env.sh's set_defaults; and add its row to the README's variable table (both
// are tested against this table). Keep the order: a default computed from another setting
// (POSTGRES_DB from POSTGRES_USER) comes after it.
import { parseBoolean } from './booleans.js';
import { SIZING_RULES } from './sizing.js';
import {
  booleanProblem, peerHostsProblem, replicaNamesProblem, serviceNameProblem,
  cidrProblem, databaseNameProblem, hostProblem, passwordProblem, portProblem, rangeProblem, replicaNameProblem, roleNameProblem,
  type Problem,
} from './rules.js';

/** `stack`: a primary and its replicas on one machine; `node`: this host's primary or replica. */
export type Mode = 'node' | 'stack';

export type Group = 'Topology' | 'Replication' | 'Durability' | 'Sizing' | 'Superuser' | 'Image and ports' | 'Compatibility';

/** A default: the value itself, or one computed from settings above it in the table. */
export type Default = string | ((valueOf: (name: string) => string) => string);

export interface Setting {
  /** The environment variable (and the settings-map key every mode, flag and answer uses). */
  name: string;
  group: Group;
  /** One line for --help and the README. */
  doc: string;
  /** The Config field holding its value; none for settings the model only checks or reads by hand. */
  key?: string;
  /** int: a whole number in Config; secret: read from NAME or NAME_FILE, never a flag. */
  type: 'text' | 'int' | 'secret';
  /** The value when unset, per mode. No default: the setting may be left unset. */
  default?: Readonly<Record<Mode, Default>>;
  /** How --help and the README show the default, where the value alone would mislead. */
  defaultText?: string;
  /** Checks a given value; the model reports `NAME <problem>. Fix: <fix>.` */
  rule?: Problem;
  fix?: string;
  /** A command-line flag for it, e.g. `--replicas N`. Secrets never have one (argv is public). */
  flag?: { name: string; arg: string };
  /** The wizard's question, where the wizard asks for it with a text prompt. */
  prompt?: string;
  /** Modes in which leaving it unset is an error. */
  required?: readonly Mode[];
  /** The bundled entrypoint reads it and falls back to the same default (env.sh's set_defaults). */
  entrypoint?: boolean;
}

export const PG_MAJORS = { min: 13, max: 18, current: 18 } as const;
const MAX_REPLICAS = 8; // max_wal_senders = 10 leaves room for a base backup's two senders

const same = (value: Default): Record<Mode, Default> => ({ node: value, stack: value });

const ROLE_NAME_FIX = 'choose a role name without quotes, spaces, "$", "\\", "#" or backticks, not starting with pg_';

function compatibilityProblem(tool: string): Problem {
  return (value) => {
    const flag = parseBoolean(value);
    if (flag === undefined) return `is "${value}", not true/false (true, TRUE, 1 and yes mean true)`;
    return flag ? `is true, but HA_MODE=native cannot be combined with ${tool}` : undefined;
  };
}

export const SETTINGS = [
  {
    name: 'HA_MODE', group: 'Topology', type: 'text', default: same('native'),
    doc: 'High-availability mode. Only "native" (streaming replication) is generated.',
    rule: (v: string) => (v === '' || v === 'native' ? undefined : `is "${v}"; pg-ha-init generates native streaming replication only`),
    fix: 'set HA_MODE=native or leave it unset',
  },
  {
    // Read by hand in model.ts: a node needs it, a stack is always the primary and its replicas.
    name: 'REPLICATION_ROLE', group: 'Topology', type: 'text', required: ['node'],
    doc: 'This node\'s role with --from-env: "primary" or "replica".',
    rule: (v: string) => (v === 'primary' || v === 'replica' ? undefined : `is "${v}"; it must be "primary" or "replica"`),
    fix: 'set REPLICATION_ROLE=primary on the primary\'s host and REPLICATION_ROLE=replica on each replica\'s host',
  },
  {
    // Read by hand in model.ts: required for a replica node only.
    name: 'PRIMARY_HOST', group: 'Topology', type: 'text',
    doc: 'Host name or IP address of the primary (required for a replica).',
    rule: hostProblem, fix: 'set PRIMARY_HOST to a host name such as db1.example.com or an IP address',
    prompt: 'Primary\'s host name or IP address:',
  },
  {
    name: 'PRIMARY_PORT', key: 'primaryPort', group: 'Topology', type: 'int', default: same('5432'), entrypoint: true,
    doc: 'Port the primary is published on; replicas dial it.',
    rule: portProblem, fix: 'set PRIMARY_PORT to a port from 1 to 65535',
    flag: { name: 'port', arg: 'N' }, prompt: 'Port the primary is published on:',
  },
  {
    name: 'REPLICA_NAME', key: 'replicaName', group: 'Topology', type: 'text', default: same('replica1'), entrypoint: true,
    doc: 'A replica\'s name: its replication slot and application_name. Unique per replica.',
    rule: replicaNameProblem, fix: 'set REPLICA_NAME to something like replica_2',
    prompt: 'This replica\'s name (its replication slot; unique per replica):',
  },
  {
    name: 'REPLICA_PORT', key: 'replicaPort', group: 'Topology', type: 'int',
    default: { node: '5432', stack: (valueOf) => String(Number(valueOf('PRIMARY_PORT')) + 1) },
    defaultText: '5432 (per-host replica); PRIMARY_PORT+1.. (single-host stack)',
    doc: 'Host port a replica is published on.',
    rule: portProblem, fix: 'set REPLICA_PORT to a port from 1 to 65535',
  },
  {
    name: 'REPLICA_COUNT', key: 'replicaCount', group: 'Topology', type: 'int', default: same('2'),
    doc: `Replicas in a single-host stack (1..${MAX_REPLICAS}).`,
    rule: rangeProblem(1, MAX_REPLICAS), fix: `set REPLICA_COUNT from 1 to ${MAX_REPLICAS}`,
    flag: { name: 'replicas', arg: 'N' }, prompt: `How many replicas (1-${MAX_REPLICAS})?`,
  },
  {
    // Checked against REPLICA_COUNT in model.ts. Day-2 commands (switchover) change it; the
    // bundle is then re-rendered so that its files match the live topology.
    name: 'PRIMARY_SERVICE', key: 'primaryService', group: 'Topology', type: 'text', default: same('primary'),
    doc: 'Single-host stack: the service that is the primary (primary, replica1, ...). Node bundles ignore it.',
    rule: (v: string) => (/^(?:primary|replica[1-9][0-9]*)$/u.test(v) ? undefined : `is "${v}"; it must name one of the stack's services (primary, replica1, replica2, ...)`),
    fix: 'set PRIMARY_SERVICE to primary or replicaN (N at most REPLICA_COUNT)',
  },
  {
    // Optional, no table default: unset, a per-host node's service is named after its role, as it
    // always was (so day-1 bundles render byte for byte as before). Day-2 commands pin it before
    // they change REPLICATION_ROLE, so a promoted replica keeps its service, env file and volume.
    name: 'SERVICE_NAME', key: 'serviceName', group: 'Topology', type: 'text',
    defaultText: 'the role (primary or replica)',
    doc: 'Per-host bundles: the compose service (and volume <name>-data) of this node; a role change keeps it. A stack ignores it.',
    rule: serviceNameProblem, fix: 'set SERVICE_NAME to 1..63 lower-case letters, digits, "_" or "-", starting with a letter or digit (e.g. db2), or leave it unset',
    flag: { name: 'service-name', arg: 'NAME' },
  },
  {
    // Optional (no default): a stack renders the other services' names into each env file itself.
    name: 'PEER_HOSTS', key: 'peerHosts', group: 'Topology', type: 'text',
    doc: 'The other nodes a node declared primary asks at every start whether one of them is already the primary (split-brain guard): host, host:port, [IPv6] or [IPv6]:port, comma-separated. A stack sets it to the other services.',
    rule: peerHostsProblem,
    fix: 'set PEER_HOSTS to the other nodes\' addresses separated by single commas, e.g. db2.example.com,db3:5433,[fd00::7]:5432, or leave it unset',
    flag: { name: 'peer-hosts', arg: 'HOSTS' }, prompt: 'The other nodes (host or host:port, comma-separated; empty for none):',
  },
  {
    name: 'REPLICATION_USER', key: 'replicationUser', group: 'Replication', type: 'text', default: same('replicator'), entrypoint: true,
    doc: 'Role the replicas connect as.',
    rule: roleNameProblem, fix: ROLE_NAME_FIX,
    flag: { name: 'replication-user', arg: 'NAME' }, prompt: 'Replication user (the role replicas connect as):',
  },
  {
    name: 'REPLICATION_PASSWORD', key: 'replicationPassword', group: 'Replication', type: 'secret', required: ['node'],
    doc: 'Its password. Required with --from-env; generated for a single-host stack.',
    rule: passwordProblem, fix: 'use a password of printable characters on one line',
  },
  {
    name: 'REPLICATION_CIDR', key: 'replicationCidr', group: 'Replication', type: 'text',
    // A stack's replicas are on its own compose network; the spec's per-host default is open.
    default: { node: '0.0.0.0/0', stack: 'samenet' },
    defaultText: '0.0.0.0/0 (per-host, as the spec says); samenet (single-host stack)',
    doc: 'Addresses pg_hba allows to replicate (a CIDR, or samenet).',
    rule: cidrProblem, fix: 'set REPLICATION_CIDR to the replicas\' network, e.g. 10.0.0.0/24',
    flag: { name: 'replication-cidr', arg: 'CIDR' },
    prompt: 'Addresses allowed to replicate (pg_hba; narrow it to your replicas\' network, e.g. 10.0.0.0/24):',
  },
  {
    name: 'PRIMARY_WAIT_TIMEOUT', key: 'primaryWaitTimeout', group: 'Replication', type: 'int', default: same('300'), entrypoint: true,
    doc: 'Seconds an empty replica waits for the primary before it gives up.',
    rule: rangeProblem(1, 86400), fix: 'set PRIMARY_WAIT_TIMEOUT to a number of seconds, e.g. 300',
  },
  {
    // Checked against the replica count (stack) or SYNC_REPLICA_NAMES (per host) in model.ts.
    name: 'SYNC_REPLICAS', key: 'syncReplicas', group: 'Durability', type: 'int', default: same('0'),
    doc: `Replicas that must confirm each commit (synchronous_standby_names = 'ANY k (...)'); 0 = asynchronous.`,
    rule: rangeProblem(0, MAX_REPLICAS),
    fix: `set SYNC_REPLICAS from 0 (asynchronous) to the number of replicas (at most ${MAX_REPLICAS})`,
    flag: { name: 'sync-replicas', arg: 'K' },
  },
  {
    // Optional: a stack lists its own services; a per-host bundle needs it when SYNC_REPLICAS >= 1.
    name: 'SYNC_REPLICA_NAMES', key: 'syncReplicaNames', group: 'Durability', type: 'text',
    doc: 'Per-host bundles: the replicas\' REPLICA_NAMEs (comma-separated) that may confirm commits. A stack uses its services.',
    rule: replicaNamesProblem, fix: 'set SYNC_REPLICA_NAMES to the replicas\' REPLICA_NAME values separated by commas, e.g. replica1,replica2',
    flag: { name: 'sync-replica-names', arg: 'NAMES' },
    prompt: 'Names of the replicas that may confirm commits (their REPLICA_NAME, comma-separated):',
  },
  // Sizing (issue 12). Formulas and rules in sizing.ts; no table defaults, because the variables
  // are one group there (any one set requires PG_MEMORY and PG_CPUS), and a default written into
  // the bundle's manifest would read back as set. PG_STORAGE and PG_MAX_CONNECTIONS default
  // inside sizingInput.
  {
    name: 'PG_MEMORY', key: 'pgMemory', group: 'Sizing', type: 'text',
    doc: 'Memory PostgreSQL may use (e.g. 4GB, PostgreSQL units kB/MB/GB/TB, at least 256MB): sizes shared_buffers, work_mem, ... and shm_size.',
    rule: SIZING_RULES.PG_MEMORY.problem, fix: SIZING_RULES.PG_MEMORY.fix,
    flag: { name: 'memory', arg: 'SIZE' }, prompt: 'Memory PostgreSQL may use on each node (e.g. 4GB):',
  },
  {
    name: 'PG_CPUS', key: 'pgCpus', group: 'Sizing', type: 'text',
    doc: 'CPU cores PostgreSQL may use: sizes the parallel workers. Required with PG_MEMORY.',
    rule: SIZING_RULES.PG_CPUS.problem, fix: SIZING_RULES.PG_CPUS.fix,
    flag: { name: 'cpus', arg: 'N' }, prompt: 'CPU cores PostgreSQL may use on each node:',
  },
  {
    name: 'PG_STORAGE', key: 'pgStorage', group: 'Sizing', type: 'text', defaultText: 'ssd (with sizing)',
    doc: 'ssd (also NVMe and SAN) or hdd: random_page_cost and effective_io_concurrency.',
    rule: SIZING_RULES.PG_STORAGE.problem, fix: SIZING_RULES.PG_STORAGE.fix,
    flag: { name: 'storage', arg: 'ssd|hdd' },
  },
  {
    name: 'PG_MAX_CONNECTIONS', key: 'maxConnections', group: 'Sizing', type: 'text', defaultText: '100 (with sizing)',
    doc: 'max_connections (10..10000); work_mem is divided among them.',
    rule: SIZING_RULES.PG_MAX_CONNECTIONS.problem, fix: SIZING_RULES.PG_MAX_CONNECTIONS.fix,
    flag: { name: 'max-connections', arg: 'N' }, prompt: 'Maximum client connections (max_connections):',
  },
  {
    name: 'PG_LIMITS', key: 'pgLimits', group: 'Sizing', type: 'text', default: same('false'),
    doc: 'true: compose.yaml also caps each container at PG_MEMORY (mem_limit) and PG_CPUS (cpus).',
    rule: booleanProblem, fix: 'set PG_LIMITS=true (with PG_MEMORY and PG_CPUS) or PG_LIMITS=false',
    flag: { name: 'limits', arg: 'true|false' },
  },
  {
    name: 'POSTGRES_USER', key: 'postgresUser', group: 'Superuser', type: 'text', default: same('postgres'), entrypoint: true,
    doc: 'Bootstrap superuser (official image semantics).',
    rule: roleNameProblem, fix: ROLE_NAME_FIX,
  },
  {
    name: 'POSTGRES_PASSWORD', key: 'postgresPassword', group: 'Superuser', type: 'secret',
    doc: 'Its password. Generated when unset.',
    rule: passwordProblem, fix: 'use a password of printable characters on one line',
  },
  {
    name: 'POSTGRES_DB', key: 'postgresDb', group: 'Superuser', type: 'text', default: same((valueOf) => valueOf('POSTGRES_USER')), entrypoint: true,
    doc: 'Database created at first start.',
    rule: databaseNameProblem, fix: 'choose a database name without quotes, spaces, "$", "\\", "#" or backticks',
  },
  {
    name: 'PG_MAJOR', key: 'pgMajor', group: 'Image and ports', type: 'int', default: same(String(PG_MAJORS.current)),
    doc: `PostgreSQL major version, ${PG_MAJORS.min}..${PG_MAJORS.max}: the image is postgres:<PG_MAJOR>.`,
    rule: rangeProblem(PG_MAJORS.min, PG_MAJORS.max), fix: `set PG_MAJOR from ${PG_MAJORS.min} to ${PG_MAJORS.max}`,
    flag: { name: 'pg-major', arg: 'N' }, prompt: 'PostgreSQL major version:',
  },
  {
    name: 'USE_PATRONI', group: 'Compatibility', type: 'text', default: same('false'),
    doc: 'Must not be true with HA_MODE=native (true, TRUE, 1 and yes count as true).',
    rule: compatibilityProblem('Patroni'), fix: 'unset USE_PATRONI or set USE_PATRONI=false',
  },
  {
    name: 'USE_CITUS', group: 'Compatibility', type: 'text', default: same('false'),
    doc: 'Must not be true with HA_MODE=native.',
    rule: compatibilityProblem('Citus'), fix: 'unset USE_CITUS or set USE_CITUS=false',
  },
] as const satisfies readonly Setting[];

export function settingNamed(name: string): Setting {
  const found = (SETTINGS as readonly Setting[]).find((s) => s.name === name);
  if (found === undefined) throw new Error(`no setting named ${name}`);
  return found;
}

/** A secret setting; each may also be given as NAME_FILE. */
export type SecretName = Extract<(typeof SETTINGS)[number], { type: 'secret' }>['name'];
const SECRET_NAMES = SETTINGS.filter((s) => s.type === 'secret').map((s) => s.name) as SecretName[];

/**
 * The default of `setting` in `mode`, or undefined when it has none. `valueOf` gives the value
 * other settings resolved to; --help passes one that returns `$NAME`, which is how env.sh writes
 * the same default.
 */
export function defaultOf(setting: Setting, mode: Mode, valueOf: (name: string) => string): string | undefined {
  const value = setting.default?.[mode];
  return typeof value === 'function' ? value(valueOf) : value;
}

/** The default as --help and the README show it. */
export function defaultText(setting: Setting): string | undefined {
  if (setting.defaultText !== undefined || setting.default === undefined) return setting.defaultText;
  const symbolic = (name: string): string => `$${name}`;
  const node = defaultOf(setting, 'node', symbolic);
  const stack = defaultOf(setting, 'stack', symbolic);
  return node === stack ? node : `${node} (per-host); ${stack} (single-host stack)`;
}

/** Every variable read from the environment: the settings, and NAME_FILE for each secret. */
export const ENV_VARIABLES: readonly string[] = [...SETTINGS.map((s) => s.name), ...SECRET_NAMES.map((name) => `${name}_FILE`)];
