// The quoting helpers the renderer registers with handlebars: one per output language.
export { QuoteError } from './error.js';
export { shellQuote } from './shell.js';
export { envFileValue } from './envfile.js';
export { composeYamlString } from './yaml.js';
export { sqlIdentifier, sqlLiteral } from './sql.js';
export { conninfoValue } from './conninfo.js';
export { pgConfString } from './pgconf.js';
export { hbaToken } from './hba.js';
