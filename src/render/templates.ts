// Reads templates/ as a tree. Files ending in .hbs are rendered; every other file (the bundled
// entrypoint scripts) is copied byte for byte, so the scripts we test are the scripts we ship.
// The bundle (scripts/build.mjs) carries templates/ inside itself (embedded-templates.ts): every
// file's text and mode, and each .hbs precompiled; there the tree comes from that copy, not the disk.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMBEDDED_TEMPLATES } from './embedded-templates.js';

export const TEMPLATE_ROOT = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface TemplateFile {
  /** Path inside templates/, with "/" separators, e.g. "env/[service].env.hbs". */
  path: string;
  source: string;
  executable: boolean;
}

/** templates/ as shipped: the bundle's embedded copy, else the tree on disk. An explicit root always reads the disk. */
export function listTemplates(root?: string): TemplateFile[] {
  if (root === undefined && EMBEDDED_TEMPLATES !== undefined) {
    return EMBEDDED_TEMPLATES.map(({ path, source, executable }) => ({ path, source, executable }));
  }
  const base = root ?? TEMPLATE_ROOT;
  const walk = (dir: string): TemplateFile[] =>
    readdirSync(dir).sort().flatMap((name) => {
      const full = join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) return walk(full);
      return [{ path: relative(base, full).split(sep).join('/'), source: readFileSync(full, 'utf8'), executable: (stat.mode & 0o111) !== 0 }];
    });
  return walk(base);
}
