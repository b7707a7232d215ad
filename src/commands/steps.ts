// Day-2 commands run as a list of steps, like the wizard's: each prints one line as it completes
// (with its time), and a failure names the step, what was left in which state, and the exact
// command to recover. The state and the recovery depend on how far the command got, so each step
// says them itself, and may refine them from inside (`ctx.left(...)`) as it goes.
import { CliError } from '../errors.js';

export interface StepContext {
  /** Replace the step's "left in this state" and "to recover" lines from here on. */
  left(state: string, recover?: string): void;
  /** A detail line under the step (printed, indented, under its ✔ or ✖ line). */
  note(line: string): void;
}

export interface Step {
  title: string;
  /** What is left, and in which state, if this step fails. */
  state: string;
  /** The exact command(s) to run by hand to recover. */
  recover: string;
  run(ctx: StepContext): Promise<string | void>;
}

export class StepFailed extends CliError {
  readonly exitCode: number;
  override name = 'StepFailed';
  constructor(readonly step: string, readonly reason: string, readonly state: string, readonly recover: string, exitCode = 1) {
    super(`step "${step}" failed: ${reason}\nLeft: ${state}\nTo recover:\n${recover.split('\n').map((l) => `  ${l}`).join('\n')}`);
    this.exitCode = exitCode;
  }
}

/** A failure inside a step that decides its own exit code and state (e.g. the old primary was restarted as it was: exit 1). */
export class StepAbort extends Error {
  constructor(message: string, readonly state?: string, readonly recover?: string) {
    super(message);
  }
}

export interface StepRunnerOptions {
  say: (line: string) => void;
  /** Milliseconds since some origin, for the timings (tests inject a clock). */
  now?: () => number;
}

/** Runs the steps in order; the first failure throws StepFailed and the rest do not run. */
export async function runSteps(steps: readonly Step[], options: StepRunnerOptions): Promise<{ ms: number }> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  for (const [i, step] of steps.entries()) {
    let state = step.state;
    let recover = step.recover;
    const notes: string[] = [];
    const ctx: StepContext = {
      left(s, r) { state = s; if (r !== undefined) recover = r; },
      note(line) { notes.push(`      ${line}`); },
    };
    const t0 = now();
    try {
      const detail = await step.run(ctx);
      const secs = ((now() - t0) / 1000).toFixed(1);
      options.say(`  ✔ ${i + 1}/${steps.length} ${step.title}${detail ? `: ${detail}` : ''} (${secs} s)`);
      for (const line of notes) options.say(line);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof StepAbort) {
        state = error.state ?? state;
        recover = error.recover ?? recover;
      }
      options.say(`  ✖ ${i + 1}/${steps.length} ${step.title}`);
      for (const line of notes) options.say(line);
      throw new StepFailed(step.title, reason, state, recover);
    }
  }
  return { ms: now() - started };
}
