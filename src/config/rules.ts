// Each rule returns a problem (a phrase completing "VARIABLE ...") or undefined when the value is
// fine. The settings table (settings.ts) names the rule of each setting. The model, the wizard's on-entry checks and (by hand, tested against the same case table)
// the bundled validation.sh all apply these.
import { isIPv4, isIPv6 } from 'node:net';
import { envFileValueProblem } from './env-file-rule.js';

/** A problem (completing "VARIABLE ..."), or undefined when the value is fine. */
export type Problem = (value: string) => string | undefined;

const MAX_IDENTIFIER_BYTES = 63; // NAMEDATALEN - 1: longer names are silently truncated by PostgreSQL
/**
 * Names are written to env files, which Compose v1 and v2 read differently, so a name must pass
 * the very rule the env-file writer applies.
 */
function envFileProblem(value: string): string | undefined {
  const problem = envFileValueProblem(value);
  return problem === undefined ? undefined : `contains ${problem}; use letters, digits and . _ - @ : / % & = + ,`;
}

function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function identifierProblem(value: string, what: string): string | undefined {
  if (value === '') return 'is empty';
  const bytes = byteLength(value);
  if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long; PostgreSQL ${what} are at most ${MAX_IDENTIFIER_BYTES} bytes`;
  return envFileProblem(value);
}

export function roleNameProblem(value: string): string | undefined {
  if (value.startsWith('pg_')) return 'starts with "pg_", which PostgreSQL reserves for its own roles';
  if (value === 'public' || value === 'none') return `is "${value}", which PostgreSQL reserves`;
  // PostgreSQL 16+ reads a pg_hba user starting with "/" as a regular expression, even quoted.
  if (value.startsWith('/')) return 'starts with "/", which pg_hba.conf reads as a regular expression';
  return identifierProblem(value, 'role names');
}

export function databaseNameProblem(value: string): string | undefined {
  return identifierProblem(value, 'database names');
}

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function hostProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (isIPv4(value) || isIPv6(value)) return undefined;
  if (/^[0-9.]+$/.test(value)) return 'is not a valid IPv4 address';
  if (value.length > 253) return 'is longer than 253 characters';
  const labels = value.endsWith('.') ? value.slice(0, -1).split('.') : value.split('.');
  if (labels.every((label) => HOST_LABEL.test(label))) return undefined;
  return 'is not a host name (letters, digits and "-" in dot-separated labels of at most 63 characters) or an IP address';
}

function integerProblem(value: string, min: number, max: number): string | undefined {
  if (!/^[0-9]+$/.test(value)) return `is not a whole number from ${min} to ${max}`;
  const n = Number(value);
  if (n < min || n > max) return `is ${n}, outside ${min}..${max}`;
  return undefined;
}

export function portProblem(value: string): string | undefined {
  return integerProblem(value, 1, 65535);
}

export function rangeProblem(min: number, max: number): (value: string) => string | undefined {
  return (value) => integerProblem(value, min, max);
}

export function passwordProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value.includes('\0')) return 'contains a NUL byte';
  if (/[\r\n]/.test(value)) return 'contains a line break, which cannot survive env variables, secret files and pgpass';
  return undefined;
}

export function replicaNameProblem(value: string): string | undefined {
  if (/^[a-z0-9_]{1,63}$/.test(value)) return undefined;
  return 'must be 1..63 lower-case letters, digits or "_" (it names the replication slot)';
}

/**
 * A per-host node's compose service name (SERVICE_NAME): what Compose accepts as a service name,
 * narrowed to lower case (it also names the env file env/<name>.env and the volume <name>-data).
 */
export function serviceNameProblem(value: string): string | undefined {
  if (/^[a-z0-9][a-z0-9_-]{0,62}$/u.test(value)) return undefined;
  return 'is not a compose service name: 1..63 lower-case letters, digits, "_" or "-", starting with a letter or digit';
}

const CIDR_KEYWORDS = new Set(['samenet', 'samehost', 'all']);

export function cidrProblem(value: string): string | undefined {
  if (CIDR_KEYWORDS.has(value)) return undefined;
  const [address, bits, ...rest] = value.split('/');
  if (address === undefined || bits === undefined || rest.length > 0 || !/^[0-9]{1,3}$/.test(bits)) {
    return 'is not a CIDR such as 10.0.0.0/8 or fd00::/8 (or samenet)';
  }
  const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
  if (max < 0) return `has "${address}", which is not an IPv4 or IPv6 address`;
  if (Number(bits) > max) return `has prefix length /${bits}; at most /${max}`;
  return undefined;
}

/**
 * PEER_HOSTS (issue 11): comma-separated host, host:port, [IPv6], [IPv6]:port or a bare IPv6
 * address (a port then needs the brackets); port 1..65535, leading zeros allowed as for the other
 * ports. Empty means no peers. The same rule as validation.sh's check_peer_hosts; like it, the
 * problem names every bad entry (the shell prints one line per entry, the model one message).
 */
export function peerHostsProblem(value: string): string | undefined {
  if (value === '') return undefined;
  const problems: string[] = [];
  if (value.startsWith(',') || value.endsWith(',') || value.includes(',,')) {
    problems.push('has an empty entry (a leading, trailing or doubled comma)');
  }
  for (const entry of value.split(',').filter((e) => e !== '')) {
    const problem = peerProblem(entry);
    if (problem !== undefined) problems.push(`entry "${entry}": ${problem}`);
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}

/**
 * One PEER_HOSTS entry as host and port text, unchecked: `[IPv6]` or `[IPv6]:port` (bracketed),
 * `host:port` (exactly one colon), else the whole entry is the host (a bare IPv6 address too); the
 * port defaults to 5432. The one reading of an entry, for the rule below and for the day-2 commands.
 */
export function splitPeerEntry(entry: string): { host: string; port: string; bracketed: boolean } {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(entry);
  if (bracketed !== null) return { host: bracketed[1] ?? '', port: bracketed[2] ?? '5432', bracketed: true };
  if ((entry.match(/:/g) ?? []).length === 1) {
    return { host: entry.slice(0, entry.indexOf(':')), port: entry.slice(entry.indexOf(':') + 1), bracketed: false };
  }
  return { host: entry, port: '5432', bracketed: false };
}

function peerProblem(entry: string): string | undefined {
  const { host, port, bracketed } = splitPeerEntry(entry);
  if (bracketed && !isIPv6(host)) return `"${host}" in brackets is not an IPv6 address`;
  if (hostProblem(host) !== undefined) {
    return `"${host}" is neither a valid host name (RFC 1123) nor an IPv4 or IPv6 address (write an IPv6 address with a port as [address]:port)`;
  }
  if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65535) return `port "${port}" must be a port number from 1 to 65535`;
  return undefined;
}

/** SYNC_REPLICA_NAMES: comma-separated replica names (slot names), each like REPLICA_NAME, no repeats. */
export function replicaNamesProblem(value: string): string | undefined {
  const names = value.split(',');
  const bad = names.filter((name) => replicaNameProblem(name) !== undefined);
  if (bad.length > 0) {
    return `has ${bad.map((n) => `"${n}"`).join(', ')}; each name must be 1..63 lower-case letters, digits or "_" (a replica's REPLICA_NAME), separated by single commas`;
  }
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) return `names ${[...new Set(repeated)].map((n) => `"${n}"`).join(', ')} more than once`;
  return undefined;
}

/** A true/false setting: true, TRUE, 1 and yes mean true; false, no and 0 mean false. */
export function booleanProblem(value: string): string | undefined {
  return /^(true|yes|1|false|no|0)$/i.test(value) ? undefined : `is "${value}", not true/false (true, TRUE, 1 and yes mean true)`;
}
