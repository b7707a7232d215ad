// One isolated Handlebars environment: strict (a missing field throws), no HTML escaping (none
// of our outputs is HTML), and one quoting helper per output language. Templates call the helper
// for the file they write, e.g. {{env value}} in env files, {{yaml value}} in compose.yaml.
import Handlebars from 'handlebars';
import {
  composeYamlString, conninfoValue, envFileValue, hbaToken, pgConfString, shellQuote, sqlIdentifier, sqlLiteral,
} from './quote/index.js';

type Quote = (value: unknown) => string;

const QUOTE_HELPERS: Record<string, Quote> = {
  sh: shellQuote as Quote,
  env: envFileValue as Quote,
  yaml: composeYamlString as Quote,
  sql: sqlLiteral as Quote,
  sqlIdent: sqlIdentifier as Quote,
  conninfo: conninfoValue as Quote,
  pgconf: pgConfString as Quote,
  hba: hbaToken as Quote,
};

function isHelperOptions(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'hash' in value && 'data' in value;
}

export function createRenderer(): typeof Handlebars {
  const hbs = Handlebars.create();
  for (const [name, quote] of Object.entries(QUOTE_HELPERS)) {
    hbs.registerHelper(name, (...args: unknown[]) => {
      // Called with no argument, Handlebars passes only its options object: treat as missing.
      const value = args.length > 1 && !isHelperOptions(args[0]) ? args[0] : undefined;
      return quote(value);
    });
  }
  return hbs;
}

export type TemplateFn = (context: object) => string;

export function compileTemplate(hbs: typeof Handlebars, source: string): TemplateFn {
  const template = hbs.compile(source, { strict: true, noEscape: true });
  return (context) => template(context);
}
