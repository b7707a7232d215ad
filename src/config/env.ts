// Reads the model's input from the process environment: only the variables the settings table
// declares, plus their *_FILE forms, so unrelated environment never leaks into a bundle.
import type { RawSettings } from './model.js';
import { ENV_VARIABLES } from './settings.js';

export function settingsFromEnv(env: NodeJS.ProcessEnv): RawSettings {
  const settings: Record<string, string> = {};
  for (const name of ENV_VARIABLES) {
    const value = env[name];
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}
