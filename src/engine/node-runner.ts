// The cluster library's way to reach a node (src/cluster/transport.ts), over the compose engine:
// psql inside the node's container, `<engine> exec -T <service>`, on its local socket, so no
// password is involved. Day-2 commands hand this to the cluster library; its e2e tests hand it a
// runner for local servers instead.
import { psqlArgs, type NodeRunner, type SqlResult } from '../cluster/transport.js';
import type { Engine } from './engine.js';
import { capture } from './exec.js';
import type { ExecOptions } from './status.js';

// A node that hangs (a stuck container, a server in crash recovery) must not hang the command.
const SQL_TIMEOUT_MS = 30_000;

/** Runs SQL on a bundle's services (by compose service name) as `user`, the bootstrap superuser. */
export function composeNodeRunner(engine: Engine, user: string, options: ExecOptions): Pick<NodeRunner, 'sql'> {
  const [command, ...prefix] = engine.compose;
  return {
    async sql(service: string, sql: string): Promise<SqlResult> {
      const result = await capture(command, [...prefix, 'exec', '-T', service, 'psql', ...psqlArgs(sql, { user })], { cwd: options.outDir, env: options.env, timeoutMs: SQL_TIMEOUT_MS });
      return { ok: result.ok, stdout: result.stdout, stderr: result.stderr };
    },
  };
}
