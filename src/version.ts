import { readFileSync } from 'node:fs';

// The bundle has the version inlined by scripts/build.mjs (esbuild `define`); under tsx, where
// this global does not exist, it is read from package.json.
declare const PG_HA_INIT_VERSION: string | undefined;

export const TOOL_VERSION: string = typeof PG_HA_INIT_VERSION === 'string'
  ? PG_HA_INIT_VERSION
  : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
