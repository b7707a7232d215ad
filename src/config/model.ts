// The one config model. Input is a flat map of variable names to strings (the environment, or
// wizard answers and CLI flags translated to the same names); output is a typed Config. Every
// rule runs, so the user sees every problem at once.
import { readFileSync } from 'node:fs';
// zod's small build, zod/mini (functions instead of methods, so the bundler keeps only what is
// used), through a namespace import (`import { z }` would keep all of it). The full zod registers
// English messages for zod's own issues; zod/mini has none until told, so register the same ones.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseBoolean } from './booleans.js';
import type { ConfigError } from './errors.js';
import {
  cidrProblem, databaseNameProblem, hostProblem, passwordProblem, portProblem, rangeProblem,
  replicaNameProblem, roleNameProblem,
} from './rules.js';
import { DEFAULT_PRIMARY_PORT, MAX_REPLICAS, PG_MAJORS, type Mode, type SecretName } from './variables.js';

z.config(en());

const SecretSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('given'), value: z.string().check(z.minLength(1)) }),
  z.object({ kind: z.literal('generate') }),
]);
export type Secret = z.infer<typeof SecretSchema>;

export const ConfigSchema = z.object({
  mode: z.enum(['node', 'stack']),
  /** The node's role; a single-host stack renders the primary and its replicas. */
  role: z.enum(['primary', 'replica']),
  pgMajor: z.int().check(z.minimum(PG_MAJORS.min), z.maximum(PG_MAJORS.max)),
  primaryHost: z.string(),
  primaryPort: z.int(),
  replicaPort: z.int(),
  replicaName: z.string(),
  replicaCount: z.int().check(z.minimum(1), z.maximum(MAX_REPLICAS)),
  replicationUser: z.string(),
  replicationPassword: SecretSchema,
  replicationCidr: z.string(),
  primaryWaitTimeout: z.int().check(z.positive()),
  postgresUser: z.string(),
  postgresPassword: SecretSchema,
  postgresDb: z.string(),
});
export type Config = z.infer<typeof ConfigSchema>;
export type Role = Config['role'];

export type RawSettings = Readonly<Record<string, string | undefined>>;

export interface ParseOptions {
  mode: Mode;
  /** Reads a *_FILE secret; injectable so the wizard can validate without touching disk. */
  readFile?: (path: string) => string;
}

export type ParseResult = { ok: true; config: Config } | { ok: false; errors: ConfigError[] };

type Problem = (value: string) => string | undefined;

function readSecretFile(path: string): string {
  // Trailing newlines are what editors and `echo` add; bash's $(<file) strips them the same way.
  return readFileSync(path, 'utf8').replace(/\n+$/, '');
}

function buildSchema(mode: Mode, readFile: (path: string) => string) {
  return z.pipe(z.record(z.string(), z.optional(z.string())), z.transform((raw, ctx): Config => {
    // What full zod's ctx.addIssue() records for an issue object; zod/mini's ctx has only the list.
    const report = (variable: string, problem: string, fix: string): void => {
      ctx.issues.push({ code: 'custom', path: [variable], message: problem, params: { fix }, input: raw });
    };
    const value = (name: string): string | undefined => raw[name];
    const checked = (name: string, fallback: string, problem: Problem, fix: string): string => {
      const given = value(name);
      if (given === undefined) return fallback;
      const found = problem(given);
      if (found !== undefined) report(name, found, fix);
      return given;
    };

    const haMode = value('HA_MODE');
    if (haMode !== undefined && haMode !== '' && haMode !== 'native') {
      report('HA_MODE', `is "${haMode}"; pg-ha-init generates native streaming replication only`, 'set HA_MODE=native or leave it unset');
    }
    for (const name of ['USE_PATRONI', 'USE_CITUS'] as const) {
      const flag = parseBoolean(value(name));
      const tool = name === 'USE_PATRONI' ? 'Patroni' : 'Citus';
      if (flag === undefined) report(name, `is "${value(name)}", not true/false`, `set ${name}=false (true, TRUE, 1 and yes mean true)`);
      else if (flag) report(name, `is true, but HA_MODE=native cannot be combined with ${tool}`, `unset ${name} or set ${name}=false`);
    }

    const role = mode === 'stack' ? 'primary' : readRole(value('REPLICATION_ROLE'), report);
    const primaryHost = mode === 'stack' ? 'primary' : readPrimaryHost(role, value('PRIMARY_HOST'), report);

    const primaryPort = Number(checked('PRIMARY_PORT', String(DEFAULT_PRIMARY_PORT), portProblem, 'set PRIMARY_PORT to a port from 1 to 65535'));
    const replicaPortDefault = mode === 'stack' ? primaryPort + 1 : DEFAULT_PRIMARY_PORT;
    const replicaPort = Number(checked('REPLICA_PORT', String(replicaPortDefault), portProblem, 'set REPLICA_PORT to a port from 1 to 65535'));
    const replicaCount = Number(checked('REPLICA_COUNT', '2', rangeProblem(1, MAX_REPLICAS), `set REPLICA_COUNT from 1 to ${MAX_REPLICAS}`));
    const pgMajor = Number(checked('PG_MAJOR', String(PG_MAJORS.current), rangeProblem(PG_MAJORS.min, PG_MAJORS.max), `set PG_MAJOR from ${PG_MAJORS.min} to ${PG_MAJORS.max}`));
    const replicaName = checked('REPLICA_NAME', 'replica1', replicaNameProblem, 'set REPLICA_NAME to something like replica_2');
    const primaryWaitTimeout = Number(checked('PRIMARY_WAIT_TIMEOUT', '300', rangeProblem(1, 86400), 'set PRIMARY_WAIT_TIMEOUT to a number of seconds, e.g. 300'));
    const cidrDefault = mode === 'stack' ? 'samenet' : '0.0.0.0/0';
    const replicationCidr = checked('REPLICATION_CIDR', cidrDefault, cidrProblem, 'set REPLICATION_CIDR to the replicas\' network, e.g. 10.0.0.0/24');

    const postgresUser = checked('POSTGRES_USER', 'postgres', roleNameProblem, 'choose a role name without quotes, spaces, "$", "\\", "#" or backticks, not starting with pg_');
    const replicationUser = checked('REPLICATION_USER', 'replicator', roleNameProblem, 'choose a role name without quotes, spaces, "$", "\\", "#" or backticks, not starting with pg_');
    if (replicationUser === postgresUser && roleNameProblem(replicationUser) === undefined) {
      report('REPLICATION_USER', `is the same role as POSTGRES_USER ("${postgresUser}")`, 'use a dedicated role, e.g. REPLICATION_USER=replicator');
    }
    const postgresDb = checked('POSTGRES_DB', postgresUser, databaseNameProblem, 'choose a database name without quotes, spaces, "$", "\\", "#" or backticks');

    const secret = (name: SecretName, required: boolean): Secret => readSecret(name, raw, readFile, required, report);
    const replicationPassword = secret('REPLICATION_PASSWORD', mode === 'node');
    const postgresPassword = secret('POSTGRES_PASSWORD', false);

    return {
      mode, role, pgMajor, primaryHost, primaryPort, replicaPort, replicaName, replicaCount,
      replicationUser, replicationPassword, replicationCidr, primaryWaitTimeout,
      postgresUser, postgresPassword, postgresDb,
    };
  }));
}

type Report = (variable: string, problem: string, fix: string) => void;

function readRole(given: string | undefined, report: Report): Role {
  if (given === 'primary' || given === 'replica') return given;
  const problem = given === undefined || given === '' ? 'is not set' : `is "${given}"`;
  report('REPLICATION_ROLE', `${problem}; it must be "primary" or "replica"`, 'set REPLICATION_ROLE=primary on the primary\'s host and REPLICATION_ROLE=replica on each replica\'s host');
  return 'primary';
}

function readPrimaryHost(role: Role, given: string | undefined, report: Report): string {
  if (given === undefined || given === '') {
    if (role === 'replica') report('PRIMARY_HOST', 'is not set, and a replica needs it', 'set PRIMARY_HOST to the primary\'s host name or IP address');
    return '';
  }
  const problem = hostProblem(given);
  if (problem !== undefined) report('PRIMARY_HOST', problem, 'set PRIMARY_HOST to a host name such as db1.example.com or an IP address');
  return given;
}

function readSecret(name: SecretName, raw: RawSettings, readFile: (path: string) => string, required: boolean, report: Report): Secret {
  const direct = raw[name];
  const fileName = `${name}_FILE`;
  const file = raw[fileName];
  if (direct !== undefined && file !== undefined) {
    report(name, `and ${fileName} are both set`, `set only one of them`);
    return { kind: 'generate' };
  }
  let value = direct;
  let source: string = name;
  if (file !== undefined) {
    source = fileName;
    try {
      value = readFile(file);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      report(fileName, `points to a file that cannot be read (${reason})`, `point ${fileName} at a readable file holding the password`);
      return { kind: 'generate' };
    }
  }
  if (value === undefined) {
    if (required) report(name, 'is not set, and native replication needs it', `set ${name} or ${fileName} (the same value on every node)`);
    return { kind: 'generate' };
  }
  const problem = passwordProblem(value);
  if (problem !== undefined) {
    report(source, problem, `use a password of printable characters on one line`);
    return { kind: 'generate' };
  }
  return { kind: 'given', value };
}

export function parseConfig(raw: RawSettings, options: ParseOptions): ParseResult {
  const result = buildSchema(options.mode, options.readFile ?? readSecretFile).safeParse(raw);
  if (result.success) return { ok: true, config: ConfigSchema.parse(result.data) };
  const errors = result.error.issues.map((issue): ConfigError => ({
    variable: String(issue.path[0]),
    problem: issue.message,
    fix: String((issue as { params?: { fix?: string } }).params?.fix ?? 'see pg-ha-init --help'),
  }));
  return { ok: false, errors };
}
