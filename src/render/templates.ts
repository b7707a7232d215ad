// Reads templates/ as a tree. Files ending in .hbs are rendered; every other file (the bundled
// entrypoint scripts) is copied byte for byte, so the scripts we test are the scripts we ship.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATE_ROOT = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface TemplateFile {
  /** Path inside templates/, with "/" separators, e.g. "config/[role]/pg_hba.conf.hbs". */
  path: string;
  source: string;
  executable: boolean;
}

export function listTemplates(root: string = TEMPLATE_ROOT): TemplateFile[] {
  const walk = (dir: string): TemplateFile[] =>
    readdirSync(dir).sort().flatMap((name) => {
      const full = join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) return walk(full);
      return [{ path: relative(root, full).split(sep).join('/'), source: readFileSync(full, 'utf8'), executable: (stat.mode & 0o111) !== 0 }];
    });
  return walk(root);
}
