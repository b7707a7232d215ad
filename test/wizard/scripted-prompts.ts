// A prompt object driven by a script of answers, so whole wizard flows run without a terminal.
// It behaves like @inquirer/prompts where the wizard relies on it: Enter takes the default, a
// validate() failure shows its message and asks again (the next scripted answer), a disabled
// choice cannot be taken, Ctrl-C rejects with an ExitPromptError.
import type { Choice, Prompts, Validate } from '../../src/wizard/prompts.js';

export const ENTER = Symbol('Enter');
export const CTRL_C = Symbol('Ctrl-C');
export type Answer = typeof ENTER | typeof CTRL_C | string | number;

export interface Asked {
  kind: 'select' | 'input' | 'password';
  message: string;
  default?: unknown;
  choices?: readonly Choice<unknown>[];
  /** Validation messages shown before an answer was accepted. */
  errors: string[];
  answer?: unknown;
}

export interface ScriptedPrompts extends Prompts {
  asked: Asked[];
  /** Answers not consumed: a flow that asked fewer questions than scripted leaves some. */
  left(): number;
}

function exitPromptError(): Error {
  const error = new Error('User force closed the prompt with SIGINT');
  error.name = 'ExitPromptError';
  return error;
}

export function scriptedPrompts(script: readonly Answer[]): ScriptedPrompts {
  const answers = [...script];
  const asked: Asked[] = [];
  const next = (question: Asked): Exclude<Answer, typeof CTRL_C> => {
    if (answers.length === 0) throw new Error(`the script ran out of answers at "${question.message}"`);
    const answer = answers.shift() as Answer;
    if (answer === CTRL_C) throw exitPromptError();
    return answer;
  };
  const typed = (question: Asked, fallback: string | undefined, validate: Validate | undefined): string => {
    asked.push(question);
    for (;;) {
      const answer = next(question);
      const value = answer === ENTER ? fallback ?? '' : String(answer);
      const verdict = validate?.(value) ?? true;
      if (verdict === true) { question.answer = value; return value; }
      question.errors.push(verdict);
    }
  };
  return {
    asked,
    left: () => answers.length,
    async select<T>(q: { message: string; choices: readonly Choice<T>[]; default?: T }): Promise<T> {
      const question: Asked = { kind: 'select', message: q.message, default: q.default, choices: q.choices, errors: [] };
      asked.push(question);
      const answer = next(question);
      const value = answer === ENTER ? q.default ?? q.choices.find((c) => c.disabled === undefined)?.value : answer;
      const choice = q.choices.find((c) => c.value === value);
      if (choice === undefined) throw new Error(`"${String(value)}" is not a choice of "${q.message}"`);
      if (choice.disabled !== undefined) throw new Error(`"${choice.name}" is disabled: ${choice.disabled}`);
      question.answer = choice.value;
      return choice.value;
    },
    async input(q) {
      return typed({ kind: 'input', message: q.message, default: q.default, errors: [] }, q.default, q.validate);
    },
    async password(q) {
      return typed({ kind: 'password', message: q.message, errors: [] }, undefined, q.validate);
    },
  };
}
