// What a command is: its usage, its flags and `run`. The CLI parses the flags a command declares
// (and no others: a flag the command does not take is a usage error), builds --help from them,
// and calls run. Command modules stay light: run loads what it needs when it runs, so --help and
// --version never load the config model, the templates or the engine.
import type { RawSettings } from '../config/model.js';
import { SETTINGS, type Setting } from '../config/settings.js';

export interface Flag {
  /** Long name, without the dashes. */
  name: string;
  short?: string;
  type: 'boolean' | 'string';
  /** The value's placeholder in help, for a string flag: DIR, N, ... */
  arg?: string;
  help: string;
  /** The setting (variable name) this flag sets; flags win over the environment. */
  setting?: string;
}

export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

export interface CommandInput {
  /** The flags given, by long name. */
  flags: FlagValues;
  /** The environment's settings with the setting flags over them: the config model's input. */
  settings: RawSettings;
  /** Words after the verb that are not flags (`pg-ha-init rejoin NODE`); empty unless the command declares operands. */
  positionals: readonly string[];
  say: (line: string) => void;
}

export interface Command {
  /** The verb (`pg-ha-init <name>`), or the name of a command chosen by flags. */
  name: string;
  /** How messages name it, e.g. "pg-ha-init status" or "the wizard (pg-ha-init with no mode flag)". */
  title: string;
  summary: string;
  /** Usage lines: the command line, two spaces, what it does. */
  usage: readonly string[];
  flags: readonly Flag[];
  /** How many non-flag words it takes after the verb (default none). */
  operands?: number;
  /** Resolves to the exit code; throws a CliError (src/errors.ts) for anything else. */
  run(input: CommandInput): Promise<number>;
}

/** Taken by every command, answered before any command runs. */
export const GLOBAL_FLAGS: readonly Flag[] = [
  { name: 'help', short: 'h', type: 'boolean', help: 'Show this help.' },
  { name: 'version', short: 'v', type: 'boolean', help: 'Show the version.' },
];

export const OUT_FLAG: Flag = { name: 'out', short: 'o', type: 'string', arg: 'DIR', help: 'Output directory (default: ./pg-ha-stack, or ./pg-ha-<role> for a node).' };
export const DRY_RUN_FLAG: Flag = { name: 'dry-run', type: 'boolean', help: 'List what would be written; write nothing.' };
export const FORCE_FLAG: Flag = { name: 'force', type: 'boolean', help: 'Overwrite files that exist and differ (existing secrets are always kept).' };

function settingFlag(setting: Setting & { flag: NonNullable<Setting['flag']> }): Flag {
  return { name: setting.flag.name, type: 'string', arg: setting.flag.arg, setting: setting.name, help: `${setting.name}: ${setting.doc}` };
}

/** One flag per setting that has one in the settings table (secrets never do). */
export const SETTING_FLAGS: readonly Flag[] = (SETTINGS as readonly Setting[])
  .filter((s): s is Setting & { flag: NonNullable<Setting['flag']> } => s.flag !== undefined)
  .map(settingFlag);
