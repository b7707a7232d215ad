// One throwaway PostgreSQL cluster per test file, for tests that round-trip values through the
// real server. It listens on loopback and on a private socket directory, runs as `postgres`
// (via as-postgres.ts) and is stopped and deleted by an after() hook registered here, so a
// failing test cannot leave a server behind.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { PG_BIN, asPostgres, postgresOwnedTempDir } from './as-postgres.js';
import { freePort } from './ports.js';

export interface Postgres {
  port: number;
  /** The unix socket directory; also the temp dir that holds dataDir and the server log. */
  socketDir: string;
  dataDir: string;
  /**
   * Run SQL fed on stdin (no shell, no `-c` quirks) with ON_ERROR_STOP and unaligned, tuples-only
   * output; returns stdout. By default as superuser `postgres` over the socket; `conninfo`
   * connects with that connection string instead.
   */
  psql(sql: string, opts?: { conninfo?: string }): string;
  /** Fast shutdown, then delete the cluster. Idempotent; already registered with after(). */
  stop(): void;
}

const bin = (name: string): string => join(PG_BIN, name);

function run(command: string, args: string[], what: string, input?: string): string {
  const [cmd, argv] = asPostgres(command, args);
  const r = spawnSync(cmd, argv, { input, encoding: 'utf8', env: cleanEnv() });
  if (r.status !== 0) {
    throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** Our environment without PG* variables, which would silently redirect psql or pg_ctl. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
}


export async function startPostgres(): Promise<Postgres> {
  const missing = ['initdb', 'pg_ctl', 'postgres', 'psql'].filter((b) => !existsSync(bin(b)));
  if (missing.length > 0) {
    throw new Error(
      `PostgreSQL 15 binaries missing in ${PG_BIN} (${missing.join(', ')}). ` +
        'Install them: apt-get update && apt-get install -y postgresql-15 (or set PG_BIN).',
    );
  }
  const socketDir = postgresOwnedTempDir('pg-ha-init-test-');
  const dataDir = join(socketDir, 'data');
  const log = join(socketDir, 'server.log');
  let port = 0;
  let stopped = false;

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (existsSync(join(dataDir, 'postmaster.pid'))) {
      run(bin('pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], 'pg_ctl stop');
    }
    rmSync(socketDir, { recursive: true, force: true });
  };

  try {
    run(
      bin('initdb'),
      ['-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync', '--no-instructions'],
      'initdb',
    );
    // The port is free when we ask; another process may take it before the server binds, so retry.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${socketDir}`;
      try {
        run(bin('pg_ctl'), ['-D', dataDir, '-l', log, '-w', '-t', '60', '-o', options, 'start'], 'pg_ctl start');
        break;
      } catch (err) {
        const serverLog = existsSync(log) ? readFileSync(log, 'utf8') : '';
        if (attempt >= 3 || !/could not bind|already in use/i.test(serverLog)) {
          throw new Error(`${(err as Error).message}\nserver log:\n${serverLog}`);
        }
      }
    }
  } catch (err) {
    stop();
    throw err;
  }
  after(stop);

  const psql = (sql: string, opts: { conninfo?: string } = {}): string => {
    const target = opts.conninfo ?? `host=${socketDir} port=${port} user=postgres dbname=postgres`;
    // The client needs no privileges, but running it as postgres too keeps one code path.
    return run(bin('psql'), ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', target], 'psql', sql);
  };
  return { port, socketDir, dataDir, psql, stop };
}
