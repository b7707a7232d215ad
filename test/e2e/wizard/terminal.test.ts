// `pg-ha-init` with no flags, in a real pseudo-terminal (tmux), the way a newcomer meets it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../../support/tmp.js';
import { openTerminal, type Terminal } from './tmux.js';

// Nothing real answers there, so the summary's default is "write only" and no stack is started.
const NO_DAEMON = { DOCKER_HOST: 'unix:///nonexistent.sock' };
const SGR = /\x1b\[[0-9;]*m/;

function secrets(out: string): string[] {
  return ['replication_password', 'postgres_password'].map((name) => readFileSync(join(out, 'secrets', name), 'utf8'));
}

function assertNeverShown(term: Terminal, secret: string): void {
  assert.ok(secret.length >= 8);
  assert.ok(!term.screen().includes(secret), 'a secret is on the screen');
  assert.ok(!term.rawOutput().includes(secret), 'a secret was written to the terminal');
}

/** Durability, then sizing: Enter takes asynchronous and this machine's memory and cores. */
const SIZING_QUESTIONS = [/Durability:/, /Memory PostgreSQL may use/, /CPU cores PostgreSQL may use/, /Storage of the data volume:/, /Maximum client connections/];

describe('the wizard in a terminal', () => {
  for (const flag of ['--json', '--check']) {
    test(`${flag} without --stack or --from-env: exit 2 naming ${flag} and the wizard, no question asked`, async (t) => {
      const term = await openTerminal(t, [flag], NO_DAEMON);
      assert.equal(await term.exitCode(), 2, term.screen());
      assert.match(term.screen(), new RegExp(`${flag} is not a flag of the wizard`));
      assert.doesNotMatch(term.screen(), /What do you want to set up/);
    });
  }

  test('Enter for every answer but the directory: a stack is written and no secret reaches the screen', async (t) => {
    const out = join(tempDir(t), 'stack');
    const term = await openTerminal(t, [], NO_DAEMON);
    await term.waitFor(/What do you want to set up\?/);
    t.diagnostic(`time to first question: ${Date.now() - term.startedAt} ms`);
    term.key('Enter');
    for (const question of [/PostgreSQL major version:/, /Replication user/, /Replication password:/, /Superuser password:/, /How many replicas/, ...SIZING_QUESTIONS, /Output directory:/]) {
      await term.waitFor(question);
      if (question.source.startsWith('Output')) term.type(out);
      term.key('Enter');
    }
    const summary = await term.waitFor(/Go ahead\?/);
    assert.match(summary, /It cannot be started from here yet/);
    assert.match(summary, /Write the files and start it now \(no engine is ready: see above\)/);
    term.key('Enter');
    assert.equal(await term.exitCode(), 0, term.screen());

    const screen = term.screen();
    assert.equal(screen.match(/^✔ /gm)?.length, 13, `thirteen answers:\n${screen}`);
    const written = Number(/Wrote (\d+) file\(s\) to /.exec(screen)?.[1]);
    assert.equal(written, readdirSync(out, { recursive: true }).filter((p) => statSync(join(out, String(p))).isFile()).length, 'every file in the directory was written by this run');
    assert.match(readFileSync(join(out, 'compose.yaml'), 'utf8'), /replica2:/);
    assert.equal(statSync(join(out, 'secrets/replication_password')).mode & 0o777, 0o600);
    for (const secret of secrets(out)) assertNeverShown(term, secret);
  });

  test('a typed password is masked, asked twice, and never written to the terminal', async (t) => {
    const out = join(tempDir(t), 'stack');
    const typed = 'Typed-S3cret-pw';
    const term = await openTerminal(t, ['--out', out], NO_DAEMON);
    for (const question of [/What do you want/, /PostgreSQL major/, /Replication user/]) {
      await term.waitFor(question);
      term.key('Enter');
    }
    await term.waitFor(/Replication password:/);
    term.key('Down', 'Enter');
    await term.waitFor(/^\? Replication password: *$/m);
    term.type(typed);
    await term.waitFor(/^\? Replication password: \*{15}$/m);
    term.key('Enter');
    await term.waitFor(/Replication password again:/);
    term.type(typed);
    term.key('Enter');
    for (const question of [/Superuser password:/, /How many replicas/, ...SIZING_QUESTIONS, /Output directory:/, /Go ahead\?/]) {
      await term.waitFor(question);
      term.key('Enter');
    }
    assert.equal(await term.exitCode(), 0, term.screen());
    assert.equal(secrets(out)[0], typed);
    assert.match(term.screen(), /secrets\/replication_password\s+as you typed it/);
    assertNeverShown(term, typed);
    assertNeverShown(term, secrets(out)[1] ?? '');
  });

  test('Ctrl-C at a question: "Cancelled", exit 130, nothing written', async (t) => {
    const out = join(tempDir(t), 'stack');
    const term = await openTerminal(t, ['--out', out]);
    await term.waitFor(/What do you want/);
    term.key('Enter');
    await term.waitFor(/PostgreSQL major/);
    term.key('C-c');
    assert.equal(await term.exitCode(), 130);
    assert.match(term.screen(), /^Cancelled$/m);
    assert.equal(existsSync(out), false);
  });

  test('USE_PATRONI=true: the model\'s message and exit 2, before any question', async (t) => {
    const term = await openTerminal(t, [], { USE_PATRONI: 'true' });
    assert.equal(await term.exitCode(), 2);
    assert.match(term.screen(), /USE_PATRONI is true, but HA_MODE=native cannot be combined with Patroni\. Fix: unset USE_PATRONI or set USE_PATRONI=false\./);
    assert.doesNotMatch(term.screen(), /What do you want/);
  });

  test('CI=true never prompts, even in a terminal', async (t) => {
    const term = await openTerminal(t, [], { CI: 'true' });
    assert.equal(await term.exitCode(), 2);
    assert.match(term.screen(), /no terminal to ask in .*pg-ha-init --stack .*pg-ha-init --from-env/);
  });
});

describe('colour in a terminal', () => {
  test('on by default, off with NO_COLOR (chalk and the prompts alike), FORCE_COLOR wins', async (t) => {
    const dir = tempDir(t);
    const run = async (env: Record<string, string>, name: string): Promise<string> => {
      const term = await openTerminal(t, ['--stack', '--out', join(dir, name)], env);
      assert.equal(await term.exitCode(), 0);
      return term.screen({ escapes: true });
    };
    assert.match(await run({}, 'plain'), SGR);
    assert.doesNotMatch(await run({ NO_COLOR: '1' }, 'no-color'), SGR);
    assert.match(await run({ NO_COLOR: '1', FORCE_COLOR: '1' }, 'forced'), SGR);

    const wizard = await openTerminal(t, ['--out', join(dir, 'wizard')], { NO_COLOR: '1' });
    await wizard.waitFor(/What do you want/);
    assert.doesNotMatch(wizard.screen({ escapes: true }), SGR);
    wizard.key('C-c');
    assert.equal(await wizard.exitCode(), 130);
  });
});
