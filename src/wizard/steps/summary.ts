// Everything the user is about to get, before anything is written: role, hosts, ports, version,
// the real file list (the --dry-run plan) and where each password goes. Never a password.
import chalk from 'chalk';
import type { Config, RawSettings } from '../../config/model.js';
import type { SecretName } from '../../config/settings.js';
import { commandLine, upArgs, type Engine } from '../../engine/engine.js';
import { describeChanges } from '../../output/report.js';
import { services, type Service } from '../../render/topology.js';
import { SECRET_DIR, imageFor } from '../../render/view.js';
import type { SecretSource, WizardContext } from '../context.js';
import type { WizardPlan } from '../plan.js';

export type Action = 'launch' | 'write' | 'cancel';

/** Whether this machine can start the bundle: the engine preflight found, or why not. */
export type Readiness = { engine: Engine } | { problem: string };

function what(config: Config): string {
  if (config.mode === 'stack') return `a single-host stack on this machine: primary + ${config.replicaCount} replica(s)`;
  if (config.role === 'primary') return 'this host\'s primary; replicas on other hosts connect to it';
  return `this host's replica "${config.replicaName}" of ${config.primaryHost}:${config.primaryPort}`;
}

function serviceLine(s: Service): string {
  const published = `${s.publishAddress ?? 'all interfaces'}:${s.publishPort}`;
  const role = s.role === 'primary' ? 'primary' : `replica of ${s.primaryHost}:${s.primaryPort}, slot ${s.replicaName}`;
  return `  ${s.name.padEnd(12)} ${published.padEnd(22)} ${role}`;
}

function secretOrigin(name: SecretName, source: SecretSource | undefined, settings: RawSettings): string {
  const fileVariable = `${name}_FILE`;
  switch (source) {
    case 'typed': return 'as you typed it';
    case 'file': return `read from ${settings[fileVariable]}`;
    case 'environment': return settings[fileVariable] !== undefined ? `read from ${fileVariable}=${settings[fileVariable]}` : `from ${name} in the environment`;
    default: return 'generated now (32 random characters)';
  }
}

function secretLines(plan: WizardPlan, secrets: WizardContext['secrets']): string[] {
  const variableOf = new Map(services(plan.config).flatMap((s) => s.secrets).map((s) => [`${SECRET_DIR}/${s.name}`, s.variable]));
  return plan.changes.filter((c) => c.file.secret !== undefined).map((c) => {
    const name = variableOf.get(c.file.path) as SecretName;
    // An unchanged secret file is one the bundle already had: it is kept, whatever was chosen.
    const origin = c.status === 'unchanged' ? 'kept: the one already there' : secretOrigin(name, secrets[name], plan.settings);
    return `  ${c.file.path.padEnd(30)} ${origin}`;
  });
}

export function summaryText(plan: WizardPlan, outDir: string, secrets: WizardContext['secrets']): string {
  const { config } = plan;
  return [
    '',
    chalk.bold('Summary'),
    `  Set up:      ${what(config)}`,
    `  PostgreSQL:  ${config.pgMajor} (image ${imageFor(config)})`,
    `  Replication: role ${config.replicationUser}, allowed from ${config.replicationCidr} (pg_hba, SCRAM only)`,
    `  Superuser:   ${config.postgresUser}, database ${config.postgresDb}`,
    '',
    chalk.bold('Services (host address:port)'),
    ...services(config).map(serviceLine),
    '',
    chalk.bold('Passwords') + chalk.dim(' (files of mode 0600 in a 0700 directory, ignored by git; never printed)'),
    ...secretLines(plan, secrets),
    '',
    chalk.bold(`Files in ${outDir}`),
    describeChanges(plan.changes),
    '',
  ].join('\n');
}

export async function summary(
  ctx: Pick<WizardContext, 'prompt' | 'say' | 'secrets'>,
  plan: WizardPlan,
  outDir: string,
  readiness: Readiness,
): Promise<Action> {
  ctx.say(summaryText(plan, outDir, ctx.secrets));
  const engine = 'engine' in readiness ? readiness.engine : undefined;
  if ('problem' in readiness) ctx.say(`${chalk.yellow('It cannot be started from here yet:')}\n${readiness.problem}\n`);
  return ctx.prompt.select<Action>({
    message: 'Go ahead?',
    choices: [
      engine === undefined
        ? { value: 'launch', name: 'Write the files and start it now', disabled: '(no engine is ready: see above)' }
        : { value: 'launch', name: `Write the files and start it now (${commandLine(engine, upArgs(engine))})` },
      { value: 'write', name: 'Write the files only' },
      { value: 'cancel', name: 'Cancel: write nothing' },
    ],
    default: engine === undefined ? 'write' : 'launch',
  });
}
