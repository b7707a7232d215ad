// Dispatch: a verb names its command, flags choose today's interface, and a flag the chosen
// command does not take is a usage error naming both. A stand-in verb (a real Command object,
// injected as the registry) shows that adding a verb is one module.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommandLine } from '../../src/args.js';
import type { Command } from '../../src/commands/command.js';
import { COMMANDS } from '../../src/commands/index.js';
import { UsageError } from '../../src/errors.js';
import { commandHelp, helpText } from '../../src/help.js';
import { runCli } from '../support/cli.js';

const status: Command = {
  name: 'status',
  title: 'pg-ha-init status',
  summary: 'Show replication of a running bundle.',
  usage: ['pg-ha-init status [--out DIR]  who is primary, who streams'],
  flags: [{ name: 'out', short: 'o', type: 'string', arg: 'DIR', help: 'The bundle\'s directory.' }, { name: 'watch', type: 'boolean', help: 'Repeat every two seconds.' }],
  run: async () => 0,
};
const verbs = [status];
const commands = [...COMMANDS, status];

describe('choosing the command', () => {
  test('no verb: --stack or --from-env renders, nothing else is the wizard', () => {
    assert.equal(parseCommandLine(['--stack', '--replicas', '3']).command.name, 'render');
    assert.equal(parseCommandLine(['--from-env', '--check']).command.name, 'render');
    assert.equal(parseCommandLine([]).command.name, 'wizard');
    assert.equal(parseCommandLine(['--out', 'x', '--dry-run']).command.name, 'wizard');
  });

  test('setting flags become settings by variable name', () => {
    assert.deepEqual(parseCommandLine(['--stack', '--replicas', '3', '--port', '6000']).settings, { REPLICA_COUNT: '3', PRIMARY_PORT: '6000' });
  });

  test('a verb is dispatched to its module, with its own flags only', () => {
    const line = parseCommandLine(['status', '--watch', '-o', 'dir'], verbs, commands);
    assert.equal(line.command, status);
    assert.equal(line.verb, true);
    assert.deepEqual({ ...line.flags }, { watch: true, out: 'dir' });
    assert.throws(() => parseCommandLine(['status', '--stack'], verbs, commands), (e: Error) => e instanceof UsageError && /--stack is not a flag of pg-ha-init status/.test(e.message));
  });

  test('an unknown word is a usage error that lists the verbs', () => {
    assert.throws(() => parseCommandLine(['stauts'], verbs, commands), (e: Error) => e instanceof UsageError && /"stauts" is not a pg-ha-init command; the commands are status/.test(e.message));
  });

  test('a flag of another command names the flag, this command and the one that takes it', () => {
    assert.throws(() => parseCommandLine(['--json']), (e: Error) => e instanceof UsageError && e.exitCode === 2
      && /--json is not a flag of the wizard .*It goes with pg-ha-init --stack \/ --from-env/.test(e.message));
    assert.throws(() => parseCommandLine(['--stack', '--watch'], verbs, commands), /--watch is not a flag of pg-ha-init --stack \/ --from-env\. It goes with pg-ha-init status/);
  });

  test('a flag several commands take names each of them once', () => {
    assert.throws(() => parseCommandLine(['--json']), (e: Error) => /It goes with pg-ha-init --stack \/ --from-env, or pg-ha-init status\. /.test(e.message));
  });

  test('operands: rejoin takes at most one NODE (a per-host bundle: --primary-host instead); a verb that declares none takes none', async () => {
    const line = parseCommandLine(['rejoin', 'primary', '--yes']);
    assert.equal(line.command.name, 'rejoin');
    assert.deepEqual(line.positionals, ['primary']);
    assert.throws(() => parseCommandLine(['rejoin', 'primary', 'replica1']), (e: Error) => e instanceof UsageError && /pg-ha-init rejoin takes 1 argument, got: primary replica1/.test(e.message));
    assert.throws(() => parseCommandLine(['failover', 'replica1']), (e: Error) => e instanceof UsageError && /pg-ha-init failover takes no arguments, got: replica1/.test(e.message));
    await assert.rejects(line.command.run({ flags: {}, settings: {}, positionals: [], say: () => {} }), (e: Error) => e instanceof UsageError && /rejoin needs NODE \(a stack: [^)]*\) or --primary-host HOST/.test(e.message));
    assert.deepEqual(parseCommandLine(['rejoin', '--primary-host', 'db2', '--primary-port', '5433', '--replica-name', 'db1']).positionals, []);
    await assert.rejects(line.command.run({ flags: { 'primary-host': 'db 2' }, settings: {}, positionals: [], say: () => {} }), (e: Error) => e instanceof UsageError && /--primary-host is not a host name/.test(e.message));
    await assert.rejects(line.command.run({ flags: { 'primary-host': 'db2', 'primary-port': '0' }, settings: {}, positionals: [], say: () => {} }), (e: Error) => e instanceof UsageError && /--primary-port is 0, outside 1\.\.65535/.test(e.message));
    const follow = parseCommandLine(['follow', '--primary-host', 'db2']);
    await assert.rejects(follow.command.run({ flags: {}, settings: {}, positionals: [], say: () => {} }), (e: Error) => e instanceof UsageError && /follow needs --primary-host HOST/.test(e.message));
  });

  test('--help and --version are answered whatever else is given', () => {
    assert.equal(parseCommandLine(['--json', '--help']).flags.help, true);
  });
});

describe('help from the command modules', () => {
  test('--help lists every command\'s usage and every flag', () => {
    const text = helpText(commands);
    for (const command of commands) for (const line of command.usage) assert.ok(text.includes(line.split('  ')[0]!), line);
    for (const flag of commands.flatMap((c) => c.flags)) assert.match(text, new RegExp(`--${flag.name}\\b`), flag.name);
  });

  test('<verb> --help shows that command alone', () => {
    const text = commandHelp(status);
    assert.match(text, /^pg-ha-init status: Show replication/);
    assert.match(text, /--watch/);
    assert.doesNotMatch(text, /--stack/);
  });
});

describe('the CLI', () => {
  for (const flag of ['--json', '--check', '--launch']) {
    test(`pg-ha-init ${flag} (no mode flag) exits 2 naming ${flag} and the wizard, and starts nothing`, () => {
      const run = runCli([flag]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`${flag} is not a flag of the wizard`));
      assert.equal(run.stdout, '');
    });
  }
  test('a word that is no command exits 2', () => {
    const run = runCli(['frobnicate']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /"frobnicate" is not a pg-ha-init command/);
  });
});
