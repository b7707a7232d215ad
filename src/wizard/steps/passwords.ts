// The replication password, then the superuser's. Generating is the default: a strong random
// password the user never has to see, written only to the bundle's secrets/ (0600). A replica
// cannot generate its replication password: it must be the primary's, so it reads a copy of the
// primary's secret file, or the user types it.
import chalk from 'chalk';
import type { SecretName } from '../../config/settings.js';
import { generatePassword } from '../../output/secrets.js';
import { SECRET_DIR } from '../../render/view.js';
import { checkSetting } from '../check.js';
import type { SecretSource, WizardContext } from '../context.js';
import type { Choice } from '../prompts.js';

type Ctx = Pick<WizardContext, 'prompt' | 'say' | 'settings' | 'topology' | 'secrets'>;

interface SecretQuestion { name: SecretName; label: string; file: string }

const REPLICATION: SecretQuestion = { name: 'REPLICATION_PASSWORD', label: 'Replication password', file: `${SECRET_DIR}/replication_password` };
const SUPERUSER: SecretQuestion = { name: 'POSTGRES_PASSWORD', label: 'Superuser password', file: `${SECRET_DIR}/postgres_password` };

export async function passwords(ctx: Ctx): Promise<void> {
  await askSecret(ctx, REPLICATION);
  // A replica's superuser is the primary's (the clone copies it), so a replica has no such secret.
  if (ctx.topology !== 'replica') await askSecret(ctx, SUPERUSER);
}

function choicesFor(ctx: Ctx, secret: SecretQuestion): Choice<SecretSource>[] {
  const fileVariable = `${secret.name}_FILE`;
  const given = ctx.settings[fileVariable] !== undefined ? fileVariable : ctx.settings[secret.name] !== undefined ? secret.name : undefined;
  const replica = ctx.topology === 'replica' && secret === REPLICATION;
  const choices: Choice<SecretSource>[] = [];
  // The environment was validated before the first question, so this choice is always usable.
  if (given !== undefined) choices.push({ value: 'environment', name: `Use ${given} from the environment` });
  if (replica) choices.push({ value: 'file', name: `Read it from a file: a copy of the primary's ${secret.file}` });
  else choices.push({ value: 'generated', name: `Generate a strong random one, stored in ${secret.file} of the output directory (mode 0600)` });
  choices.push({ value: 'typed', name: 'Type it (twice; it is never shown)' });
  return choices;
}

async function askSecret(ctx: Ctx, secret: SecretQuestion): Promise<void> {
  const choices = choicesFor(ctx, secret);
  const source = await ctx.prompt.select<SecretSource>({ message: `${secret.label}:`, choices, default: choices[0]?.value });
  ctx.secrets[secret.name] = source;
  if (source === 'environment') return;
  const fileVariable = `${secret.name}_FILE`;
  // From here on the answer replaces whatever the environment said (both set is an error).
  delete ctx.settings[secret.name];
  delete ctx.settings[fileVariable];
  if (source === 'file') {
    const path = await ctx.prompt.input({ message: 'Path of that file:', validate: (value) => checkSetting(ctx, fileVariable, value.trim()) });
    ctx.settings[fileVariable] = path.trim();
  } else if (source === 'typed') {
    ctx.settings[secret.name] = await typeTwice(ctx, secret);
  } else {
    generated(ctx, secret);
  }
}

function generated(ctx: Ctx, secret: SecretQuestion): void {
  // A stack generates (or keeps) its secrets when the plan is built. A node must be given its
  // replication password, because every node of the cluster needs the same one: generate it now.
  if (ctx.topology === 'primary' && secret === REPLICATION) {
    ctx.settings[secret.name] = generatePassword();
    ctx.say(chalk.dim(`  It will be in ${secret.file}; give each replica a copy (REPLICATION_PASSWORD_FILE).`));
  }
}

async function typeTwice(ctx: Ctx, secret: SecretQuestion): Promise<string> {
  for (;;) {
    const first = await ctx.prompt.password({ message: `${secret.label}:`, validate: (value) => checkSetting(ctx, secret.name, value) });
    const second = await ctx.prompt.password({ message: `${secret.label} again:` });
    if (first === second) return first;
    ctx.say(chalk.yellow('  The two entries differ; type it again.'));
  }
}
