// Reads the model's input from the process environment: only the variables the model knows,
// plus their *_FILE forms, so unrelated environment never leaks into a bundle.
import type { RawSettings } from './model.js';
import { SECRET_NAMES, VARIABLES } from './variables.js';

const KNOWN = [...VARIABLES.map((v) => v.name), ...SECRET_NAMES.map((name) => `${name}_FILE`)];

export function settingsFromEnv(env: NodeJS.ProcessEnv): RawSettings {
  const settings: Record<string, string> = {};
  for (const name of KNOWN) {
    const value = env[name];
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}
