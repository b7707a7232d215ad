// Reaching a node on another host from a per-host bundle (issue 11, "Per-host bundles"). There is
// no ssh of our own: psql runs in a one-off container of this bundle's own service (`compose run
// --rm --no-deps`, on the project's network, so it reaches what the node itself reaches), and
// dials HOST:PORT over TCP. The password goes to that container's environment by name
// (PGPASSWORD), its value only in the compose process's environment: never in argv, never logged.
// - As REPLICATION_USER, over a replication=database connection: IDENTIFY_SYSTEM (system
//   identifier, CURRENT timeline, flush position), `SELECT pg_is_in_recovery()`, TIMELINE_HISTORY
//   of that timeline, and whether a slot of a given name is in use. The same questions the
//   entrypoint's start-time peer check asks, with the same credentials.
// - As the superuser, for rejoin only: CHECKPOINT before pg_rewind (repmgr #372).
import { parseLsn, parseTimelineHistory, type TimelineHistoryEntry } from '../cluster/index.js';
import type { Captured } from '../engine/exec.js';
import type { NodeOps } from '../engine/node-ops.js';

export interface HostPort { host: string; port: number }

export interface RemoteFacts {
  systemIdentifier: string;
  /** The timeline it writes (or, in recovery, replays) on now. */
  timeline: number;
  /** IDENTIFY_SYSTEM's xlogpos: the WAL flushed so far. */
  flushLsn: bigint;
  inRecovery: boolean;
  /** Its history of `timeline` (empty on timeline 1). */
  history: TimelineHistoryEntry[];
  /** Whether a slot of the asked name is active there; null when none was asked or none exists. */
  slotActive: boolean | null;
}

export type RemoteAnswer =
  | { ok: true; facts: RemoteFacts }
  /** unreachable: nothing answered at HOST:PORT (refused, timed out, no route, unknown name). */
  | { ok: false; unreachable: boolean; detail: string };

// $1 host, $2 port, $3 user, $4 connect timeout (s), $5 slot name or "". Prints IDENTIFY_SYSTEM's
// row and pg_is_in_recovery(), then `--- slot` and whether that slot is active, then `--- history`
// and the history file's content (TIMELINE_HISTORY's second column; its lines carry no `|`).
export const REMOTE_FACTS_SCRIPT = [
  'export PGHOST="$1" PGPORT="$2" PGUSER="$3" PGCONNECT_TIMEOUT="$4" PGDATABASE=postgres PGAPPNAME=pg-ha-init',
  'q() { psql --no-psqlrc --tuples-only --no-align --field-separator="|" -v ON_ERROR_STOP=1 --dbname="replication=database" "$@"; }',
  'out="$(q -c IDENTIFY_SYSTEM -c "SELECT pg_is_in_recovery()")"',
  'printf "%s\\n" "$out"',
  'echo "--- slot"',
  'if [[ -n "$5" ]]; then q -c "SELECT active FROM pg_replication_slots WHERE slot_name = \'$5\'"; fi',
  'tli="$(sed -n 1p <<<"$out" | cut -d"|" -f2)"',
  'echo "--- history"',
  'if [[ "$tli" =~ ^[0-9]+$ ]] && ((tli > 1)); then q -c "TIMELINE_HISTORY $tli" | cut -d"|" -f2-; fi',
].join('\n');

/** REMOTE_FACTS_SCRIPT's output, checked; throws on anything else. */
export function parseRemoteFacts(stdout: string): RemoteFacts {
  const [head = '', afterSlot = ''] = stdout.split('\n--- slot\n');
  const [slot = '', history = ''] = `\n${afterSlot}`.split('\n--- history\n');
  const [identify = '', recovery = ''] = head.trim().split('\n');
  const [system = '', timeline = '', xlogpos = ''] = identify.split('|');
  if (!/^\d+$/u.test(system) || !/^\d+$/u.test(timeline) || !/^[tf]$/u.test(recovery.trim())) {
    throw new Error(`unexpected answer to IDENTIFY_SYSTEM: ${JSON.stringify(head.slice(0, 200))}`);
  }
  // The history file's text as TIMELINE_HISTORY sends it (a hex bytea on servers that say so).
  const text = history.trim().startsWith('\\x') ? Buffer.from(history.trim().slice(2), 'hex').toString('utf8') : history;
  const active = slot.trim();
  return {
    systemIdentifier: system, timeline: Number(timeline), flushLsn: parseLsn(xlogpos), inRecovery: recovery.trim() === 't',
    history: parseTimelineHistory(text), slotActive: active === 't' ? true : active === 'f' ? false : null,
  };
}

// libpq's words for "nothing answered there" (as opposed to "it answered and said no").
const UNREACHABLE = [
  /could not connect to server/iu, /Connection refused/iu, /timeout expired/iu, /could not translate host name/iu,
  /No route to host/iu, /Network is unreachable/iu, /Connection timed out/iu, /server closed the connection unexpectedly/iu,
  /the database system is (?:starting up|shutting down)/iu,
];

/** Did psql fail because nothing answered at the address (not because the server said no)? */
export function isUnreachable(stderr: string): boolean {
  // libpq 17+ says "connection to server at ... failed: Connection refused"; older "could not connect".
  return UNREACHABLE.some((re) => re.test(stderr)) && !/password authentication failed|no pg_hba\.conf entry/iu.test(stderr);
}

function firstError(r: Captured): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error|FATAL|failed|could not|timeout/iu.test(l)) ?? lines.at(-1) ?? 'no output';
}

export interface RemoteAccess {
  ops: NodeOps;
  /** The bundle's own service: its one-off container dials the remote node. */
  service: string;
  replicationUser: string;
  /** secrets/replication_password's value: passed by name only. */
  replicationPassword: string;
}

/** Ask HOST:PORT what it is (see RemoteFacts), as the replication role. */
export async function askRemote(access: RemoteAccess, target: HostPort, options: { slot?: string; connectTimeoutS?: number } = {}): Promise<RemoteAnswer> {
  if (options.slot !== undefined && !/^[a-z0-9_]{1,63}$/u.test(options.slot)) throw new Error(`not a slot name: ${options.slot}`);
  const r = await access.ops.oneOff(access.service, REMOTE_FACTS_SCRIPT,
    [target.host, String(target.port), access.replicationUser, String(options.connectTimeoutS ?? 5), options.slot ?? ''],
    { passNames: ['PGPASSWORD'], values: { PGPASSWORD: access.replicationPassword }, timeoutMs: 90_000 });
  if (!r.ok) return { ok: false, unreachable: isUnreachable(`${r.stderr}\n${r.stdout}`), detail: firstError(r) };
  try {
    return { ok: true, facts: parseRemoteFacts(r.stdout) };
  } catch (error) {
    return { ok: false, unreachable: false, detail: (error as Error).message };
  }
}

/** One statement on HOST:PORT as the superuser (CHECKPOINT before pg_rewind); the password only by name. */
export async function remoteSuperuserSql(access: Pick<RemoteAccess, 'ops' | 'service'>, target: HostPort, user: string, password: string, sql: string): Promise<void> {
  const r = await access.ops.oneOff(access.service,
    'PGHOST="$1" PGPORT="$2" PGUSER="$3" PGCONNECT_TIMEOUT=10 psql --no-psqlrc -v ON_ERROR_STOP=1 -d postgres -c "$4"',
    [target.host, String(target.port), user, sql], { passNames: ['PGPASSWORD'], values: { PGPASSWORD: password }, timeoutMs: 600_000 });
  if (!r.ok) throw new Error(`${sql} on ${target.host}:${target.port} as ${user} failed: ${firstError(r)}`);
}

/** `host=H port=P user=U dbname=postgres`: pg_rewind's --source-server (no password in it), a stack service or another host. */
export function rewindSourceConninfo(target: HostPort, user: string): string {
  return `host=${target.host} port=${target.port} user=${user} dbname=postgres connect_timeout=10`;
}
