// The two ways engine/ runs a program: capture its output (probes, queries), or stream it line by
// line to the user (the engine's own progress). Both never throw on a non-zero exit, so callers
// can turn every failure into a message that says what to run by hand.
import { finished, type Readable } from 'node:stream';
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

// execa is not asked to buffer (buffer: false): it would stop reading as soon as a timeout kills
// the program, losing what the program says as it dies. Both functions read the output to its end
// themselves, so they return once the program has exited and its output is complete.
export async function capture(command: string, args: readonly string[], options: RunOptions = {}): Promise<Captured> {
  const subprocess = execa(command, args, {
    cwd: options.cwd, env: options.env, timeout: options.timeoutMs, buffer: false, reject: false, stdin: 'ignore',
  });
  const stdout = allText(subprocess.stdout);
  const stderr = allText(subprocess.stderr);
  const result = await subprocess;
  return {
    ok: !result.failed,
    // A program that could not be started at all comes back as spawn's own error, code and all.
    missing: (result as { code?: unknown }).code === 'ENOENT',
    stdout: await stdout,
    stderr: await stderr,
  };
}

export interface Streamed { ok: boolean; timedOut: boolean }

/** Runs the program with stdout and stderr interleaved into `say`, as they come. */
export async function stream(command: string, args: readonly string[], say: (line: string) => void, options: RunOptions = {}): Promise<Streamed> {
  const subprocess = execa(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, all: true, buffer: false, reject: false, stdin: 'ignore' });
  const lines = subprocess.all === undefined ? Promise.resolve() : eachLine(subprocess.all, say);
  const result = await subprocess;
  await lines;
  return { ok: !result.failed, timedOut: result.timedOut };
}

/** The whole output as text, without its final newline ("\n" or "\r\n"); "" without a stream. */
async function allText(readable: Readable | null): Promise<string> {
  if (readable === null) return '';
  let text = '';
  await eachChunk(readable, (chunk) => { text += chunk; });
  return text.replace(/\r?\n$/, '');
}

/** Decodes the stream as UTF-8, chunk by chunk; resolves once it has ended (or failed). */
function eachChunk(readable: Readable, take: (text: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const decoder = new TextDecoder();
    readable.on('data', (chunk: Uint8Array) => take(decoder.decode(chunk, { stream: true })));
    finished(readable, () => {
      take(decoder.decode());
      resolve();
    });
  });
}

/**
 * Calls `say` with each line of the stream as it comes, without its "\n" or "\r\n", and with the
 * last line even if it has no newline; resolves once the stream has ended (or failed).
 */
async function eachLine(readable: Readable, say: (line: string) => void): Promise<void> {
  let rest = '';
  await eachChunk(readable, (text) => {
    const parts = (rest + text).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) say(part.endsWith('\r') ? part.slice(0, -1) : part);
  });
  if (rest !== '') say(rest);
}
