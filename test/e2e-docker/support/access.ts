// Client connections made from inside a container of the rig (the replica's, the primary's, or a
// throwaway one), as another machine on the network would make them. The password is read from
// stdin inside the container, so it appears in no argv, not even docker exec's on the host.
import type { Project } from './project.js';
import type { RunResult } from './process.js';

export interface Attempt {
  host: string;
  port: number;
  user: string;
  password: string;
  /** A physical replication connection (replication=true, IDENTIFY_SYSTEM) or a plain SQL one. */
  replication?: boolean;
}

const SCRIPT = 'IFS= read -r PGPASSWORD; export PGPASSWORD; exec psql -X -At -v ON_ERROR_STOP=1 "$1" -c "$2"';

export function connectFrom(project: Project, service: string, a: Attempt): Promise<RunResult> {
  const replication = a.replication ?? true;
  const target = replication ? 'replication=true dbname=replication' : 'dbname=postgres';
  const command = replication ? 'IDENTIFY_SYSTEM' : 'SELECT current_user';
  return project.exec(service, [
    'env', `PGHOST=${a.host}`, `PGPORT=${a.port}`, `PGUSER=${a.user}`, 'PGCONNECT_TIMEOUT=5',
    'sh', '-c', SCRIPT, 'sh', `${target} connect_timeout=5`, command,
  ], { input: `${a.password}\n`, check: false, timeoutMs: 30_000 });
}

export function replicationAttempt(project: Project, service: string, a: Omit<Attempt, 'replication'>): Promise<RunResult> {
  return connectFrom(project, service, { ...a, replication: true });
}
