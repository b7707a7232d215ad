// `pg-ha-init --stack` and `pg-ha-init --from-env`: write (or --dry-run, --check, --json) the
// bundle without a question, then --launch it if asked.
import chalk from 'chalk';
import { UsageError } from '../errors.js';
import { DRY_RUN_FLAG, FORCE_FLAG, OUT_FLAG, SETTING_FLAGS, type Command, type FlagValues } from './command.js';

// Flags that each do something else with the render: at most one, but --json goes with --dry-run.
const ACTIONS = ['dry-run', 'check', 'json', 'launch'] as const;

function checkCombination(flags: FlagValues): void {
  if (flags['from-env'] && flags.stack) throw new UsageError('--from-env and --stack are two modes; give one of them.');
  if (flags.launch && flags['dry-run']) throw new UsageError('--launch starts the files it writes, and --dry-run writes none; give one of them.');
  const given = ACTIONS.filter((flag) => flags[flag] === true);
  const jsonDryRun = given.length === 2 && given.includes('dry-run') && given.includes('json');
  if (given.length > 1 && !jsonDryRun) throw new UsageError(`${given.map((f) => `--${f}`).join(' and ')} do different things; give one of them.`);
}

export const render: Command = {
  name: 'render',
  title: 'pg-ha-init --stack / --from-env',
  summary: 'Write the bundle, no questions asked.',
  usage: [
    'pg-ha-init --stack [--replicas N] [--out DIR]  a primary and N replicas on this machine',
    'pg-ha-init --from-env [--out DIR]  this host\'s node, from the environment (CI)',
  ],
  flags: [
    { name: 'stack', type: 'boolean', help: 'Render a single-host stack (primary + replicas on this machine). No prompts.' },
    { name: 'from-env', type: 'boolean', help: 'Render this host\'s node (primary or replica) from the environment. No prompts.' },
    OUT_FLAG, DRY_RUN_FLAG, FORCE_FLAG,
    { name: 'check', type: 'boolean', help: 'Compare a fresh render with the output directory: diff and exit 1 on drift.' },
    { name: 'json', type: 'boolean', help: 'Print the resolved config (secrets redacted) and the file plan as JSON.' },
    { name: 'launch', type: 'boolean', help: 'Then start it (docker compose, docker-compose or podman), wait until replicas stream. (The wizard asks.)' },
    ...SETTING_FLAGS,
  ],
  async run({ flags, settings, say }) {
    checkCombination(flags);
    // The model, the templates and the writers load here, not when --help lists this command.
    const [{ defaultOutDir, generate, loadConfig, preview }, { checkReport }, { planJson }, { describeChanges, nextSteps }] = await Promise.all([
      import('../generate.js'), import('../output/check.js'), import('../output/json.js'), import('../output/report.js'),
    ]);
    const config = loadConfig(flags.stack ? 'stack' : 'node', settings);
    const outDir = typeof flags.out === 'string' ? flags.out : defaultOutDir(config);
    if (flags.check) {
      const report = checkReport(preview(config, outDir).changes);
      say(report.drift ? report.text.replace(/\n$/, '') : `${outDir} matches a fresh render.`);
      return report.drift ? 1 : 0;
    }
    if (flags.json) {
      const { outDir: absolute, plan } = preview(config, outDir);
      say(planJson(config, absolute, plan).replace(/\n$/, ''));
      return 0;
    }
    const result = generate(config, { outDir, dryRun: flags['dry-run'] === true, force: flags.force === true });
    say(`${chalk.bold(`${result.written ? 'Wrote' : 'Would write'} ${result.outDir}`)}\n${describeChanges(result.changes)}`);
    if (flags.launch) await (await import('../engine/index.js')).launch(config, result.outDir, { say });
    else if (result.written) say(nextSteps(config, result.outDir));
    return 0;
  },
};
