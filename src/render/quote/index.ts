// Quoting, one module per output language. The templates call them through the helpers of
// helpers.ts; sql.ts quotes for psql (tests, and day-2 commands that query the nodes).
export { QuoteError } from './error.js';
export { shellQuote } from './shell.js';
export { envFileValue } from './envfile.js';
export { composeYamlString } from './yaml.js';
export { sqlIdentifier, sqlLiteral } from './sql.js';
export { conninfoValue } from './conninfo.js';
export { pgConfString } from './pgconf.js';
export { hbaToken } from './hba.js';
