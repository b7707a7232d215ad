// The command line: `pg-ha-init [verb] [flags]`. A first word that is not a flag names a verb;
// without one, the flags choose the command (commands/index.ts). Each command takes only the
// flags it declares: any other is a usage error that names the flag and the command, never
// silently ignored. Non-secret settings may be flags; they map onto the same variable names as
// the environment. Passwords are never flags: argv is visible to every user of the machine.
import { parseArgs } from 'node:util';
import { GLOBAL_FLAGS, type Command, type Flag, type FlagValues } from './commands/command.js';
import { COMMANDS, VERBS, commandForFlags } from './commands/index.js';
import { UsageError } from './errors.js';

export interface CommandLine {
  command: Command;
  /** The command was named by a verb (its --help is its own). */
  verb: boolean;
  flags: FlagValues;
  /** Settings given as flags, by variable name. */
  settings: Record<string, string>;
  /** Words after the verb that are not flags (only for a command that declares operands). */
  positionals: string[];
}

function parseOptions(flags: readonly Flag[]) {
  return Object.fromEntries(flags.map((f) => [f.name, f.short === undefined ? { type: f.type } : { type: f.type, short: f.short }]));
}

/** Every flag of every command (once), so a flag of another command is named, not "unknown". */
function allFlags(commands: readonly Command[]): Flag[] {
  const byName = new Map<string, Flag>();
  for (const flag of [...GLOBAL_FLAGS, ...commands.flatMap((c) => c.flags)]) if (!byName.has(flag.name)) byName.set(flag.name, flag);
  return [...byName.values()];
}

function notTaken(flag: string, command: Command, commands: readonly Command[]): UsageError {
  const takers = commands.filter((c) => c.flags.some((f) => f.name === flag)).map((c) => c.title);
  const hint = takers.length > 0 ? ` It goes with ${takers.join(', or ')}.` : '';
  return new UsageError(`--${flag} is not a flag of ${command.title}.${hint} Run pg-ha-init --help for the flags.`);
}

export function parseCommandLine(argv: readonly string[], verbs: readonly Command[] = VERBS, commands: readonly Command[] = COMMANDS): CommandLine {
  const word = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
  const verb = word === undefined ? undefined : verbs.find((c) => c.name === word);
  if (word !== undefined && verb === undefined) {
    const known = verbs.length > 0 ? `; the commands are ${verbs.map((c) => c.name).join(', ')}` : '';
    throw new UsageError(`"${word}" is not a pg-ha-init command${known}. Run pg-ha-init --help.`);
  }
  const known = allFlags([...commands, ...verbs]);
  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(verb === undefined ? 0 : 1), strict: true, allowPositionals: true, tokens: true, options: parseOptions(known) });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run pg-ha-init --help for the flags.`);
  }
  const flags = parsed.values as FlagValues;
  const given = new Set(parsed.tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : [])));
  const command = verb ?? commandForFlags(given);
  const asksForHelp = flags.help === true || flags.version === true;
  if (!asksForHelp) {
    const takes = new Set([...GLOBAL_FLAGS, ...command.flags].map((f) => f.name));
    const stray = [...given].find((name) => !takes.has(name));
    if (stray !== undefined) throw notTaken(stray, command, [...new Set([...commands, ...verbs])]);
  }
  const settings: Record<string, string> = {};
  for (const flag of command.flags) {
    const value = flags[flag.name];
    if (flag.setting !== undefined && typeof value === 'string') settings[flag.setting] = value;
  }
  const positionals = parsed.positionals;
  if (positionals.length > (command.operands ?? 0)) throw new UsageError(`${command.title} takes ${command.operands ?? 'no'} argument${command.operands === 1 ? '' : 's'}, got: ${positionals.join(' ')}. Run pg-ha-init ${command.name} --help.`);
  return { command, verb: verb !== undefined, flags, settings, positionals };
}
