// One isolated Handlebars environment: strict (a missing field throws), no HTML escaping (none
// of our outputs is HTML), and the quoting helpers of quote/helpers.ts, one per output language.
import Handlebars from 'handlebars';
import { QUOTE_HELPERS } from './quote/helpers.js';

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
