// Command-line flags. Non-secret settings may be given as flags; they map onto the same variable
// names as the environment, so flags, env and wizard answers all meet in one config model.
// Passwords are never flags: argv is visible to every user of the machine.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export interface CliOptions {
  fromEnv: boolean;
  stack: boolean;
  out?: string;
  dryRun: boolean;
  force: boolean;
  /** After writing, start the bundle and wait until every replica streams. */
  launch: boolean;
  /** Compare a fresh render with the output directory; exit 1 on drift. */
  check: boolean;
  /** Print the resolved config and the file plan as JSON; write nothing. */
  json: boolean;
  help: boolean;
  version: boolean;
  /** Settings given as flags, by variable name. */
  settings: Record<string, string>;
}

const SETTING_FLAGS = {
  replicas: 'REPLICA_COUNT',
  'pg-major': 'PG_MAJOR',
  port: 'PRIMARY_PORT',
  'replication-user': 'REPLICATION_USER',
  'replication-cidr': 'REPLICATION_CIDR',
} as const;

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'from-env': { type: 'boolean', default: false },
        stack: { type: 'boolean', default: false },
        out: { type: 'string', short: 'o' },
        'dry-run': { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        launch: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
        ...Object.fromEntries(Object.keys(SETTING_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run pg-ha-init --help for the flags.`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values['from-env'] && values.stack) throw new UsageError('--from-env and --stack are two modes; give one of them.');
  if (values.launch && values['dry-run']) throw new UsageError('--launch starts the files it writes, and --dry-run writes none; give one of them.');
  const exclusive = ['dry-run', 'check', 'json', 'launch'].filter((flag) => values[flag] === true);
  if (exclusive.length > 1 && !(exclusive.length === 2 && exclusive.includes('dry-run') && exclusive.includes('json'))) {
    throw new UsageError(`${exclusive.map((f) => `--${f}`).join(' and ')} do different things; give one of them.`);
  }
  const settings: Record<string, string> = {};
  for (const [flag, variable] of Object.entries(SETTING_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') settings[variable] = value;
  }
  return {
    fromEnv: values['from-env'] === true,
    stack: values.stack === true,
    out: typeof values.out === 'string' ? values.out : undefined,
    dryRun: values['dry-run'] === true,
    force: values.force === true,
    launch: values.launch === true,
    check: values.check === true,
    json: values.json === true,
    help: values.help === true,
    version: values.version === true,
    settings,
  };
}

export const SETTING_FLAG_HELP = SETTING_FLAGS;
