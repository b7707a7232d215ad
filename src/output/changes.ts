// Compares a plan with what is on disk: which files would be created, updated, left alone, or
// refused because they exist and --force was not given.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PlannedFile } from './plan.js';

export type ChangeStatus = 'create' | 'update' | 'unchanged' | 'conflict';

export interface Change {
  file: PlannedFile;
  target: string;
  status: ChangeStatus;
  /** What is on disk now, for --check's diff; undefined when the file does not exist. */
  current?: string;
}

function readCurrent(target: string): { content: string; mode: number } | undefined {
  try {
    const stat = statSync(target);
    return { content: readFileSync(target, 'utf8'), mode: stat.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function compareWithDisk(plan: readonly PlannedFile[], outDir: string, force: boolean): Change[] {
  return plan.map((file): Change => {
    const target = join(outDir, file.path);
    const current = readCurrent(target);
    if (current === undefined) return { file, target, status: 'create' };
    const same = current.content === file.content && current.mode === file.mode;
    // A kept secret was read from this very file (its trailing newline aside): leave it alone.
    if (same || file.secret?.origin === 'kept') return { file, target, status: 'unchanged', current: current.content };
    return { file, target, status: force ? 'update' : 'conflict', current: current.content };
  });
}
