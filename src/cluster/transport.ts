// How the library reaches a node. It never spawns anything itself: the caller injects a runner.
// The engine's runner runs `docker compose exec -T <service> psql -XAt -c SQL` over the
// container's local socket (no password), and `pg_controldata` in a one-off container for a
// stopped node; the e2e tests run the same psql and pg_controldata binaries against local
// servers. Only the transport differs, so everything above it is tested for real.

/** What one psql (or pg_controldata) run gave back, in the shape src/engine/exec's capture() has. */
export interface SqlResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /**
   * Set by a transport that knows better than the message: for example the engine knows a
   * container is not running before psql even starts.
   */
  unavailable?: NodeFailureKind;
}

export interface NodeRunner {
  /**
   * Run one SQL statement on `node` with psql's `-X -A -t -v ON_ERROR_STOP=1` (unaligned, tuples
   * only, no psqlrc) as a superuser over the local socket. stdout is what psql printed.
   */
  sql(node: string, sql: string): Promise<SqlResult>;
  /** `pg_controldata` of the node's PGDATA, run with LC_ALL=C (its labels are translated otherwise). */
  controldata?(node: string): Promise<SqlResult>;
  /** A file below the node's PGDATA (for example `pg_wal/00000002.history`) while it is stopped. */
  readFile?(node: string, path: string): Promise<SqlResult>;
  /**
   * `pg_waldump -p <PGDATA>/pg_wal -t <timeline> -s <start>` on the stopped node, LC_ALL=C. It
   * exits non-zero at the end of WAL, which is expected: the caller reads its last error line.
   */
  waldump?(node: string, timeline: number, start: bigint): Promise<SqlResult>;
}

/**
 * psql's arguments for one statement, as every runner must pass them: no psqlrc (-X), unaligned
 * tuples only (-A -t: the JSON line and nothing else), stop at the first error. The engine runs
 * `psql` + these through `docker compose exec -T <service>` (the container's local socket, no
 * password); the e2e runner adds -h/-p for its local socket. `connection` goes first.
 */
export function psqlArgs(sql: string, options: { user: string; dbname?: string; connection?: readonly string[] }): string[] {
  return [...(options.connection ?? []), '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', options.user, '-d', options.dbname ?? 'postgres', '-c', sql];
}

export type NodeFailureKind = 'stopped' | 'unreachable';

export interface NodeFailure {
  kind: NodeFailureKind;
  /** The first line of what psql or the engine said, for the table and the warning. */
  detail: string;
}

// A server that is not running: its socket is gone, the port refuses, it is shutting down, or the
// engine says the container is not running. Everything else (timeouts, authentication, a
// container that does not exist, a server still starting) is "unreachable": it may be running.
const STOPPED = [
  /No such file or directory/iu,
  /Connection refused/iu,
  /the database system is shutting down/iu,
  /is not running/iu,
  /No container found/iu,
  /container .* is (?:not running|restarting|exited)/iu,
];

/** Classify a failed run by what it printed (the transport's own verdict wins). */
export function classifyFailure(result: SqlResult): NodeFailure {
  const text = `${result.stderr}\n${result.stdout}`.trim();
  const detail = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'no output';
  const kind = result.unavailable ?? (STOPPED.some((re) => re.test(text)) ? 'stopped' : 'unreachable');
  return { kind, detail };
}
