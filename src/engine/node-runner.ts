// The cluster library's way to reach a node (src/cluster/transport.ts), over the compose engine:
// psql inside the node's container, `<engine> exec -T <service>`, on its local socket, so no
// password is involved; and a stopped node's pg_control, files and WAL through a one-off container
// of its service (node-ops.ts). Day-2 commands hand this to the cluster library; its e2e tests
// hand it a runner for local servers instead.
import { psqlArgs, type NodeRunner, type SqlResult } from '../cluster/transport.js';
import type { Engine } from './engine.js';
import type { Captured } from './exec.js';
import { NodeOps } from './node-ops.js';
import type { ExecOptions } from './status.js';

// A node that hangs (a stuck container, a server in crash recovery) must not hang the command.
const SQL_TIMEOUT_MS = 30_000;

export interface NodeRunnerOptions extends ExecOptions {
  /** `-p NAME` for every compose command; otherwise Compose's own rule. */
  projectName?: string;
}

function result(r: Captured): SqlResult {
  return { ok: r.ok, stdout: r.stdout, stderr: r.stderr };
}

/** Runs SQL on a bundle's services (by compose service name) as `user`, the bootstrap superuser. */
export function composeNodeRunner(engine: Engine, user: string, options: NodeRunnerOptions): Required<NodeRunner> {
  const ops = new NodeOps(engine, { dir: options.outDir, env: options.env, projectName: options.projectName });
  return {
    async sql(service: string, sql: string): Promise<SqlResult> {
      const answer = result(await ops.compose(['exec', '-T', service, 'psql', ...psqlArgs(sql, { user })], { timeoutMs: SQL_TIMEOUT_MS }));
      // docker-compose 1.29 exits 1 without a word when the service's container is stopped: ask
      // the engine which services run before calling the node unreachable.
      if (!answer.ok && !/could not connect|FATAL|ERROR/u.test(answer.stderr) && !(await ops.running()).has(service)) {
        return { ...answer, stderr: answer.stderr || `${service} is not running`, unavailable: 'stopped' };
      }
      return answer;
    },
    async controldata(service: string): Promise<SqlResult> {
      return result(await ops.controldata(service));
    },
    async readFile(service: string, path: string): Promise<SqlResult> {
      return result(await ops.readFile(service, path));
    },
    async waldump(service: string, timeline: number, start: bigint): Promise<SqlResult> {
      const lsn = `${(start >> 32n).toString(16).toUpperCase()}/${(start & 0xFFFFFFFFn).toString(16).toUpperCase()}`;
      return result(await ops.waldump(service, timeline, lsn));
    },
  };
}
