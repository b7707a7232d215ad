// The questions the wizard asks, as an interface: the real one wraps @inquirer/prompts
// (inquirer.ts); tests drive whole flows through a scripted one, without a terminal.
export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
  /** Why this choice cannot be taken now; shown greyed out, impossible to submit. */
  disabled?: string;
}

/** true, or the message that tells the user what is wrong and how to fix it. */
export type Validate = (answer: string) => true | string;

export interface Prompts {
  select<T>(question: { message: string; choices: readonly Choice<T>[]; default?: T }): Promise<T>;
  input(question: { message: string; default?: string; validate?: Validate }): Promise<string>;
  password(question: { message: string; validate?: Validate }): Promise<string>;
}
