// --help text, built from the variable table so it always lists every variable with its default.
import { VARIABLES, type Variable } from './config/variables.js';

const FLAGS: [string, string][] = [
  ['--stack', 'Render a single-host stack (primary + replicas on this machine). No prompts.'],
  ['--from-env', 'Render this host\'s node (primary or replica) from the environment. No prompts.'],
  ['-o, --out DIR', 'Output directory (default: ./pg-ha-stack, or ./pg-ha-<role> with --from-env).'],
  ['--dry-run', 'List what would be written; write nothing.'],
  ['--force', 'Overwrite files that exist and differ (existing secrets are always kept).'],
  ['--check', 'Compare a fresh render with the output directory: diff and exit 1 on drift.'],
  ['--json', 'Print the resolved config (secrets redacted) and the file plan as JSON.'],
  ['--launch', 'With --stack or --from-env: start it (docker compose, docker-compose or podman), wait until replicas stream. (The wizard asks.)'],
  ['--replicas N', 'REPLICA_COUNT: replicas in a single-host stack (default 2).'],
  ['--pg-major N', 'PG_MAJOR: PostgreSQL major version (default 18).'],
  ['--port N', 'PRIMARY_PORT: port the primary is published on (default 5432).'],
  ['--replication-user NAME', 'REPLICATION_USER (default replicator).'],
  ['--replication-cidr CIDR', 'REPLICATION_CIDR: who may replicate (default samenet / 0.0.0.0/0).'],
  ['-h, --help', 'Show this help.'],
  ['-v, --version', 'Show the version.'],
];

function column(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
}

function variableRow(v: Variable): [string, string] {
  const fileForm = v.secret ? ` (or ${v.name}_FILE)` : '';
  const def = v.default !== undefined ? ` Default: ${v.default}.` : '';
  return [v.name, `${v.description}${def}${fileForm}`];
}

export function helpText(): string {
  const groups = [...new Set(VARIABLES.map((v) => v.group))];
  const variables = groups.map((group) => `${group}:\n${column(VARIABLES.filter((v) => v.group === group).map(variableRow))}`).join('\n\n');
  return `pg-ha-init: PostgreSQL streaming replication (one primary, N replicas) for Docker Compose.

Usage:
  pg-ha-init                                        in a terminal: asks a few questions, then writes and starts
  pg-ha-init --stack [--replicas N] [--out DIR]     a primary and N replicas on this machine
  pg-ha-init --from-env [--out DIR]                 this host's node, from the environment (CI)

With no mode flag the wizard asks; the environment and the flags are its defaults. Without a
terminal, or with CI=true, it never asks: use --stack or --from-env.

Flags:
${column(FLAGS)}

Environment variables (flags win over the environment; secrets are never flags):
${variables}

Exit codes: 0 success, 1 runtime failure, 2 invalid input.

Examples:
  pg-ha-init --stack --replicas 2 --out ./pg-ha-stack && cd pg-ha-stack && docker compose up -d --wait
  HA_MODE=native REPLICATION_ROLE=replica PRIMARY_HOST=db1.internal \\
    REPLICATION_PASSWORD_FILE=/run/secrets/repl pg-ha-init --from-env --out ./pg-ha-replica
`;
}
