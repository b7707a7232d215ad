// Child processes for the Docker suite: every command has a deadline, output is captured, and
// nothing goes through a shell on our side (argv arrays only), so hostile values cannot be
// re-interpreted by the harness itself.
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Fed on stdin (then closed). Without it stdin is /dev/null. */
  input?: string;
  /** Killed (SIGKILL) after this long; the result then has timedOut=true. Default 120 s. */
  timeoutMs?: number;
  /** Throw unless the exit status is 0 (default true). */
  check?: boolean;
}

export interface RunResult {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export class CommandError extends Error {
  constructor(readonly result: RunResult) {
    const why = result.timedOut ? 'timed out' : `exited ${result.code}`;
    super(`${result.command} ${why} after ${result.ms} ms\n--- stdout:\n${tail(result.stdout, 60)}\n--- stderr:\n${tail(result.stderr, 60)}`);
    this.name = 'CommandError';
  }
}

export function tail(text: string, lines: number): string {
  const all = text.split('\n');
  return all.length <= lines ? text : `[... ${all.length - lines} lines before]\n${all.slice(-lines).join('\n')}`;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const shown = [command, ...args].join(' ');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    if (options.input !== undefined) {
      child.stdin?.on('error', () => { /* the command may exit without reading */ });
      child.stdin?.end(options.input);
    }
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(new Error(`${shown}: ${err.message}`)); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result: RunResult = { command: shown, code, stdout, stderr, ms: Date.now() - started, timedOut };
      if ((options.check ?? true) && (code !== 0 || timedOut)) reject(new CommandError(result));
      else resolvePromise(result);
    });
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Names the condition in the timeout error. */
  what: string;
}

/**
 * Poll `probe` until it returns something other than undefined/false, or throw after the
 * deadline with the last value or error seen. An error thrown with `fatal: true` ends the wait
 * at once (see fatal()). Every wait in the suite goes through here.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown = 'never probed';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      if ((error as { fatal?: boolean }).fatal) throw error;
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}; last: ${detail}`);
    }
    await delay(options.intervalMs ?? 250);
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export { median } from '../../support/median.js';

/** An error that stops waitFor at once instead of being retried. */
export function fatal(message: string): Error {
  return Object.assign(new Error(message), { fatal: true });
}
