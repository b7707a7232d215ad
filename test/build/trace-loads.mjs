// `node --import ./test/build/trace-loads.mjs ...` appends the URL of every file the ES module
// loader loads to the file named by PG_HA_INIT_TRACE, one per line: the tests and the bench use it
// to see which of the bundle's chunks a command really loads.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && process.env.PG_HA_INIT_TRACE) appendFileSync(process.env.PG_HA_INIT_TRACE, url + '\\n');
  return nextLoad(url, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
