// What the user reads after a run. Secret files are listed by path only, never by content.
import chalk from 'chalk';
import type { Config } from '../config/model.js';
import { defaultOf, settingNamed } from '../config/settings.js';
import type { Change, ChangeStatus } from './changes.js';

const LABEL: Record<ChangeStatus, string> = {
  create: chalk.green('create   '),
  update: chalk.yellow('overwrite'),
  unchanged: chalk.dim('unchanged'),
  conflict: chalk.red('exists   '),
};

function mode(n: number): string {
  return n.toString(8).padStart(4, '0');
}

export function describeChanges(changes: readonly Change[]): string {
  return changes.map((c) => {
    const secretNote = c.file.secret ? chalk.dim(` (secret, ${c.file.secret.origin})`) : '';
    return `  ${LABEL[c.status]} ${mode(c.file.mode)} ${c.file.path}${secretNote}`;
  }).join('\n');
}

export function nextSteps(config: Config, outDir: string): string {
  const lines = [
    '',
    chalk.bold('Next:'),
    `  cd ${outDir}`,
    '  docker compose up -d --wait      (or: docker-compose up -d)',
    '  README.md there explains how to verify replication, promote and add replicas.',
  ];
  const openToAll = defaultOf(settingNamed('REPLICATION_CIDR'), 'node', () => '');
  if (config.mode === 'node' && config.role === 'primary' && config.replicationCidr === openToAll) {
    lines.push(chalk.yellow(`  Note: REPLICATION_CIDR is ${openToAll} (the spec default); narrow it to your replicas' network.`));
  }
  return lines.join('\n');
}
