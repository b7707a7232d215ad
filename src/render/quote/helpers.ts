// The quoting helpers the templates call, by the name they call them: one per output language,
// e.g. {{env value}} in env files, {{yaml value}} in compose.yaml. render/handlebars.ts registers
// exactly these, and scripts/build.mjs reads the names from here to precompile the templates
// with knownHelpersOnly (so a template calling any other helper fails the build).
import { conninfoValue } from './conninfo.js';
import { envFileValue } from './envfile.js';
import { hbaToken } from './hba.js';
import { pgConfString } from './pgconf.js';
import { shellQuote } from './shell.js';
import { composeYamlString } from './yaml.js';

export type Quote = (value: unknown) => string;

export const QUOTE_HELPERS: Readonly<Record<string, Quote>> = {
  sh: shellQuote,
  env: envFileValue,
  yaml: composeYamlString,
  conninfo: conninfoValue,
  pgconf: pgConfString,
  hba: hbaToken,
};
