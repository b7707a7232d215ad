// The two ways launch/ runs a program: capture its output (probes, queries), or stream it line by
// line to the user (the engine's own progress). Both never throw on a non-zero exit, so callers
// can turn every failure into a message that says what to run by hand.
import { execa } from 'execa';

export interface RunOptions {
  cwd?: string;
  /** Merged over process.env (tests point PATH and DOCKER_HOST at nothing real). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface Captured {
  ok: boolean;
  /** The program is not on PATH at all. */
  missing: boolean;
  stdout: string;
  stderr: string;
}

export async function capture(command: string, args: readonly string[], options: RunOptions = {}): Promise<Captured> {
  const result = await execa(command, args, {
    cwd: options.cwd, env: options.env, timeout: options.timeoutMs, reject: false, stdin: 'ignore',
  });
  return {
    ok: !result.failed,
    missing: result.code === 'ENOENT',
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

export interface Streamed { ok: boolean; timedOut: boolean }

/** Runs the program with stdout and stderr interleaved into `say`, as they come. */
export async function stream(command: string, args: readonly string[], say: (line: string) => void, options: RunOptions = {}): Promise<Streamed> {
  const subprocess = execa(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, all: true, reject: false, stdin: 'ignore' });
  for await (const line of subprocess.iterable({ from: 'all' })) say(String(line));
  const result = await subprocess;
  return { ok: !result.failed, timedOut: result.timedOut };
}
