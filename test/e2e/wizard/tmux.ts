// The CLI in a real pseudo-terminal: a private tmux server (its own socket in a temp directory,
// so a developer's tmux is never touched), a 200x50 pane, keys sent as a person types them, the screen read back
// with capture-pane, and every byte the program wrote to the terminal logged with pipe-pane
// (the screen alone would miss text that was drawn and then erased).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';

const CLI = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface Terminal {
  /** Everything on the screen and in its scrollback, as plain text (or with SGR codes). */
  screen(options?: { escapes?: boolean }): string;
  /** Every byte the program wrote to the terminal. */
  rawOutput(): string;
  /** Literal text, then optionally a key such as Enter, Down or C-c. */
  type(text: string): void;
  key(...keys: string[]): void;
  /** Waits (bounded) until the screen matches; returns the screen. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits for the program to end; its exit code. */
  exitCode(timeoutMs?: number): Promise<number>;
  /** When the program was released, for timing the first prompt. */
  startedAt: number;
}

/**
 * Runs the CLI with `args` and exactly `env` (plus PATH, HOME, TERM) in a new tmux server. The
 * server is killed when the test ends, whatever happens.
 */
export async function openTerminal(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<Terminal> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-ha-tmux-'));
  const tmux = (...argv: string[]): string => execFileSync('tmux', ['-S', join(dir, 'tmux.sock'), ...argv], { encoding: 'utf8' });
  // One hook, in this order: the server must be killed while its socket still exists.
  t.after(() => {
    try { tmux('kill-server'); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  });
  const log = join(dir, 'pty.log');
  const go = join(dir, 'go');
  const fullEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm-256color', LANG: 'C.UTF-8', ...env };
  const script = join(dir, 'run.sh');
  writeFileSync(script, [
    '#!/bin/sh',
    // Held until pipe-pane is attached, so the log has the program's first byte too.
    `while [ ! -e ${quote(go)} ]; do sleep 0.02; done`,
    `cd ${quote(REPO)}`,
    `env -i ${Object.entries(fullEnv).map(([k, v]) => `${k}=${quote(v)}`).join(' ')} ${quote(process.execPath)} --import tsx ${quote(CLI)} ${args.map(quote).join(' ')}`,
    'echo "[exit $?]"',
    'sleep 3600',
    '',
  ].join('\n'));
  chmodSync(script, 0o755);
  tmux('new-session', '-d', '-s', 'main', '-x', '200', '-y', '50', script);
  tmux('pipe-pane', '-o', '-t', 'main', `cat >> ${quote(log)}`);
  writeFileSync(go, '');
  const startedAt = Date.now();

  const screen = (options: { escapes?: boolean } = {}): string =>
    tmux('capture-pane', '-p', '-J', ...(options.escapes ? ['-e'] : []), '-S', '-', '-E', '-', '-t', 'main');
  const waitFor = async (pattern: RegExp, timeoutMs = 20_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = screen();
      if (pattern.test(now)) return now;
      if (Date.now() > deadline) throw new Error(`the screen never showed ${pattern} within ${timeoutMs} ms; it shows:\n${now}`);
      await sleep(50);
    }
  };
  return {
    screen,
    rawOutput: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    type: (text) => { tmux('send-keys', '-t', 'main', '-l', text); },
    key: (...keys) => { tmux('send-keys', '-t', 'main', ...keys); },
    waitFor,
    exitCode: async (timeoutMs) => Number((await waitFor(/\[exit \d+\]/, timeoutMs)).match(/\[exit (\d+)\]/)?.[1]),
    startedAt,
  };
}
