// A write load whose client logs every acknowledged write, for the day-2 tests (switchover,
// failover, rejoin). One long-lived psql reads statements from a pipe; after each INSERT it echoes
// `ack N`, which psql prints only once the INSERT has returned, i.e. once the server acknowledged
// the commit (and, with synchronous replication, once a standby confirmed it). A write whose ack
// never came is not counted: it may or may not have committed, and the tests count only what a
// real application would have been told succeeded.
//
// When the connection breaks (the primary stops, moves or dies), psql exits (ON_ERROR_STOP) and the
// client starts a new one with the same multi-host connection string, which finds whichever node is
// writable now (target_session_attrs=read-write). The gaps between acks are the write-unavailable
// time the tests report.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WriteLoadOptions {
  /** libpq connection string, without the password; usually multi-host with target_session_attrs=read-write. */
  conninfo: string;
  /** Sent in the environment of each psql (PGPASSWORD), never in argv. */
  password: string;
  /** psql binary; its major does not matter. */
  psql: string;
  /** Table the rows go to; created if missing. Must be a plain lower-case identifier. */
  table?: string;
  /** How long one INSERT may take before the connection is given up and a new one tried. */
  statementTimeoutMs?: number;
  /** Bounds the run even if nobody calls stop(): the load stops itself after this long. */
  maxRunMs?: number;
}

export interface WriteLoadResult {
  /** Every id whose INSERT was acknowledged, in order. */
  acknowledged: number[];
  /** Ids sent whose ack never came (unknown outcome). */
  unacknowledged: number[];
  /** Longest time between two consecutive acks, in ms: the write-unavailable window. */
  longestGapMs: number;
  /** When the load started (Date.now()), and each ack's time in ms since then (same order as acknowledged). */
  startedAt: number;
  ackTimesMs: number[];
  /** Every gap of more than one second between acks: [from, to] in ms since the load started. */
  gaps: Array<[number, number]>;
  connections: number;
  /** What psql said when a connection ended (for the test's failure messages). */
  errors: string[];
}

export interface WriteLoad {
  /** Acks so far (for waiting until the load is really running). */
  readonly ackCount: number;
  /** The ids acknowledged so far, in order (a copy): what a failover may have lost is counted against it. */
  readonly acknowledgedSoFar: number[];
  /** Resolves once the next ack after the call arrives (or rejects after timeoutMs). */
  nextAck(timeoutMs: number): Promise<void>;
  stop(): Promise<WriteLoadResult>;
}

const GAP_WORTH_REPORTING_MS = 1000;

export function startWriteLoad(options: WriteLoadOptions): WriteLoad {
  const table = options.table ?? 'load_log';
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`write load: table name ${table} must be a plain identifier`);
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
  const started = Date.now();
  const acknowledged: number[] = [];
  const ackTimes: number[] = [];
  const unacknowledged: number[] = [];
  const errors: string[] = [];
  let connections = 0;
  let stopping = false;
  let nextId = 1;
  const waiters: Array<() => void> = [];

  const onAck = (id: number): void => {
    acknowledged.push(id);
    ackTimes.push(Date.now() - started);
    for (const wake of waiters.splice(0)) wake();
  };

  // One connection's life: create the table, then INSERT one row at a time until it fails.
  const session = async (): Promise<void> => {
    connections++;
    const child: ChildProcess = spawn(options.psql, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', options.conninfo], {
      env: { ...cleanEnv(), PGPASSWORD: options.password, PGCONNECT_TIMEOUT: '3' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let pending: number | undefined;
    let stdoutRest = '';
    let stderr = '';
    let resolveAck: ((ok: boolean) => void) | undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (stdoutRest + chunk.toString('utf8')).split('\n');
      stdoutRest = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^ack (\d+)$/.exec(line.trim());
        if (match && Number(match[1]) === pending) {
          onAck(pending);
          pending = undefined;
          resolveAck?.(true);
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const exited = new Promise<void>((resolve) => {
      child.on('close', () => { resolveAck?.(false); resolve(); });
      child.on('error', () => { resolveAck?.(false); resolve(); });
    });
    child.stdin?.on('error', () => { /* psql gone; `close` reports it */ });
    child.stdin?.write(`SET statement_timeout = ${statementTimeoutMs};\nCREATE TABLE IF NOT EXISTS ${table} (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());\n`);
    while (!stopping && child.exitCode === null) {
      const id = nextId++;
      pending = id;
      const acked = new Promise<boolean>((resolve) => { resolveAck = resolve; });
      child.stdin?.write(`INSERT INTO ${table} (id) VALUES (${id});\n\\echo ack ${id}\n`);
      const timer = sleep(statementTimeoutMs + 2000).then(() => false);
      const ok = await Promise.race([acked, timer]);
      resolveAck = undefined;
      if (!ok) {
        if (pending !== undefined) unacknowledged.push(pending);
        pending = undefined;
        break;
      }
    }
    child.stdin?.end();
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    const said = stderr.trim();
    if (said !== '') errors.push(said);
  };

  const deadline = started + (options.maxRunMs ?? 600_000);
  const loop = (async () => {
    while (!stopping && Date.now() < deadline) {
      await session();
      // A refused connection returns at once; do not spin while no node is writable.
      if (!stopping) await sleep(100);
    }
  })();

  return {
    get ackCount() { return acknowledged.length; },
    get acknowledgedSoFar() { return [...acknowledged]; },
    nextAck(timeoutMs: number): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`write load: no acknowledged write within ${timeoutMs} ms; psql said: ${errors.slice(-3).join(' | ')}`)), timeoutMs);
        waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    },
    async stop(): Promise<WriteLoadResult> {
      stopping = true;
      await loop;
      const gaps: Array<[number, number]> = [];
      let longestGapMs = 0;
      for (let i = 1; i < ackTimes.length; i++) {
        const gap = ackTimes[i]! - ackTimes[i - 1]!;
        longestGapMs = Math.max(longestGapMs, gap);
        if (gap > GAP_WORTH_REPORTING_MS) gaps.push([ackTimes[i - 1]!, ackTimes[i]!]);
      }
      return { acknowledged, unacknowledged, longestGapMs, gaps, connections, errors, startedAt: started, ackTimesMs: ackTimes };
    },
  };
}

/** Our environment without PG* variables, which would silently redirect psql. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
}

/** Ids in `acknowledged` that are not in `present` (the rows found on the final primary). */
export function missingAcks(acknowledged: readonly number[], present: readonly number[]): number[] {
  const found = new Set(present);
  return acknowledged.filter((id) => !found.has(id));
}

/** The longest time without an ack that overlaps the window [from, to] (epoch ms): a window's write-unavailable time. */
export function longestGapWithin(result: Pick<WriteLoadResult, 'startedAt' | 'ackTimesMs'>, from: number, to: number): number {
  const a = from - result.startedAt;
  const b = to - result.startedAt;
  let longest = 0;
  for (let i = 1; i < result.ackTimesMs.length; i++) {
    const start = result.ackTimesMs[i - 1]!;
    const end = result.ackTimesMs[i]!;
    if (end >= a && start <= b) longest = Math.max(longest, end - start);
  }
  return longest;
}
