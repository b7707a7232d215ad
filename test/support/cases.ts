// Loads the shared validation case table and turns "@file:TEXT" values into real files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export interface ValidationCase {
  name: string;
  env: Record<string, string>;
  errors: string[];
  shellErrors?: string[];
  why?: string;
  /** Bad entries the messages must name, each one (validation.sh: one line per entry). */
  mentions?: string[];
}

const TABLE = new URL('../cases/validation-cases.json', import.meta.url);

export function loadCases(): ValidationCase[] {
  return (JSON.parse(readFileSync(TABLE, 'utf8')) as { cases: ValidationCase[] }).cases;
}

/** The case's env with each "@file:TEXT" replaced by the path of a file holding TEXT (removed after the test). */
export function materialiseEnv(env: Record<string, string>, t: TestContext): Record<string, string> {
  const out: Record<string, string> = {};
  let dir: string | undefined;
  for (const [name, value] of Object.entries(env)) {
    if (!value.startsWith('@file:')) { out[name] = value; continue; }
    dir ??= mkdtempSync(join(tmpdir(), 'pg-ha-case-'));
    const path = join(dir, name);
    writeFileSync(path, value.slice('@file:'.length));
    chmodSync(path, 0o644);
    out[name] = path;
  }
  if (dir !== undefined) { const d = dir; t.after(() => rmSync(d, { recursive: true, force: true })); }
  return out;
}
