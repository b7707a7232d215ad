// --help, built from the commands (usage, flags) and the settings table (every variable with its
// default), so it cannot leave one out. `pg-ha-init <verb> --help` shows that command alone.
import { GLOBAL_FLAGS, type Command, type Flag } from './commands/command.js';
import { COMMANDS } from './commands/index.js';
import { SETTINGS, defaultText, type Setting } from './config/settings.js';

function column(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
}

function flagRow(flag: Flag): [string, string] {
  const names = flag.short === undefined ? `--${flag.name}` : `-${flag.short}, --${flag.name}`;
  return [flag.arg === undefined ? names : `${names} ${flag.arg}`, flag.help];
}

function usageRows(commands: readonly Command[]): [string, string][] {
  return commands.flatMap((c) => c.usage.map((line): [string, string] => {
    const [command = line, ...what] = line.split('  ');
    return [command, what.join('  ').trim()];
  }));
}

function variableRow(setting: Setting): [string, string] {
  const fileForm = setting.type === 'secret' ? ` (or ${setting.name}_FILE)` : '';
  const shown = defaultText(setting);
  return [setting.name, `${setting.doc}${shown === undefined ? '' : ` Default: ${shown}.`}${fileForm}`];
}

function uniqueFlags(commands: readonly Command[]): Flag[] {
  const seen = new Set<string>();
  return [...commands.flatMap((c) => c.flags), ...GLOBAL_FLAGS].filter((f) => !seen.has(f.name) && seen.add(f.name));
}

export function helpText(commands: readonly Command[] = COMMANDS): string {
  const table = SETTINGS as readonly Setting[];
  const groups = [...new Set(table.map((s) => s.group))];
  const variables = groups.map((group) => `${group}:\n${column(table.filter((s) => s.group === group).map(variableRow))}`).join('\n\n');
  return `pg-ha-init: PostgreSQL streaming replication (one primary, N replicas) for Docker Compose.

Usage:
${column(usageRows(commands))}

With no mode flag the wizard asks; the environment and the flags are its defaults. Without a
terminal, or with CI=true, it never asks: use --stack or --from-env.

Flags:
${column(uniqueFlags(commands).map(flagRow))}

Environment variables (flags win over the environment; secrets are never flags):
${variables}

Exit codes: 0 success, 1 runtime failure, 2 invalid input, 130 cancelled.

Examples:
  pg-ha-init --stack --replicas 2 --out ./pg-ha-stack && cd pg-ha-stack && docker compose up -d --wait
  HA_MODE=native REPLICATION_ROLE=replica PRIMARY_HOST=db1.internal \\
    REPLICATION_PASSWORD_FILE=/run/secrets/repl pg-ha-init --from-env --out ./pg-ha-replica
`;
}

/** `pg-ha-init <verb> --help`. */
export function commandHelp(command: Command): string {
  return `${command.title}: ${command.summary}

Usage:
${column(usageRows([command]))}

Flags:
${column([...command.flags, ...GLOBAL_FLAGS].map(flagRow))}
`;
}
