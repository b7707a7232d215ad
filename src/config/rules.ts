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
