// Snapshot of a directory (paths, modes, contents) to prove a run left it exactly as it was.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function snapshotTree(root: string): Record<string, string> {
  if (!existsSync(root)) return {};
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const stat = statSync(full);
      const key = relative(root, full);
      if (stat.isDirectory()) { out[`${key}/`] = (stat.mode & 0o777).toString(8); walk(full); }
      else out[key] = `${(stat.mode & 0o777).toString(8)}:${readFileSync(full, 'utf8')}`;
    }
  };
  walk(root);
  return out;
}
