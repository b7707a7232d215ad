// A connection string that finds the primary wherever it moved: libpq tries the hosts in order
// and keeps the first that accepts writes (target_session_attrs=read-write, libpq 10+). Every
// value is quoted by the renderer's conninfo helper; a comma inside a host name cannot be
// expressed, because libpq splits the list on commas.
import { conninfoValue } from '../render/quote/conninfo.js';

export interface HostPort { host: string; port: number }

export interface MultiHostOptions {
  dbname?: string;
  user?: string;
  /** read-write (default) finds the primary; any, read-only, primary, standby, prefer-standby (libpq 14+). */
  targetSessionAttrs?: 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby' | 'any';
  /** Seconds per host before libpq moves on to the next (the default waits forever on a dead host). */
  connectTimeout?: number;
}

export function multiHostConninfo(hosts: readonly HostPort[], options: MultiHostOptions = {}): string {
  if (hosts.length === 0) throw new Error('a multi-host connection string needs at least one host');
  for (const h of hosts) {
    if (h.host.length === 0 || /[,\s]/u.test(h.host)) throw new Error(`host ${JSON.stringify(h.host)} cannot be listed: libpq splits hosts on commas`);
    if (!Number.isInteger(h.port) || h.port < 1 || h.port > 65535) throw new Error(`port ${h.port} of ${h.host} is not a TCP port`);
  }
  const pairs: [string, string | number][] = [
    ['host', hosts.map((h) => h.host).join(',')],
    ['port', hosts.map((h) => String(h.port)).join(',')],
  ];
  if (options.dbname !== undefined) pairs.push(['dbname', options.dbname]);
  if (options.user !== undefined) pairs.push(['user', options.user]);
  pairs.push(['target_session_attrs', options.targetSessionAttrs ?? 'read-write']);
  if (options.connectTimeout !== undefined) pairs.push(['connect_timeout', options.connectTimeout]);
  return pairs.map(([k, v]) => `${k}=${conninfoValue(v)}`).join(' ');
}
