// When the wizard runs, and when it must not: no flags and no terminal is a one-line hint, exit 2.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { canPrompt } from '../../src/wizard/interactive.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const SGR = /\x1b\[[0-9;]*m/;

describe('no mode flag', () => {
  test('stdin not a terminal: exit 2 with a one-line hint naming the commands to use', () => {
    const run = runCli([]);
    assert.equal(run.status, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /pg-ha-init --stack .*pg-ha-init --from-env/);
    assert.equal(run.stdout, '');
  });

  test('only a person at a terminal is asked; any CI value but false/0/no counts as CI', () => {
    assert.equal(canPrompt({}, true), true);
    assert.equal(canPrompt({}, false), false);
    assert.equal(canPrompt({}, undefined), false);
    for (const ci of ['true', '1', 'TRUE', 'woodpecker']) assert.equal(canPrompt({ CI: ci }, true), false, ci);
    for (const ci of ['false', '0', '']) assert.equal(canPrompt({ CI: ci }, true), true, ci);
  });
});

describe('help', () => {
  test('--help tells about the wizard and --launch', () => {
    const run = runCli(['--help']);
    assert.match(run.stdout, /^ {2}pg-ha-init {2,}.*questions/m);
    assert.match(run.stdout, /--launch/);
  });
});

describe('colour off a terminal', () => {
  test('no colour to a pipe, unless FORCE_COLOR asks for it', (t) => {
    const dir = tempDir(t);
    const plain = runCli(['--stack', '--out', join(dir, 'a')], { NO_COLOR: '' });
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, SGR);
    const forced = runCli(['--stack', '--out', join(dir, 'b')], { NO_COLOR: '', FORCE_COLOR: '1' });
    assert.match(forced.stdout, SGR);
  });
});
