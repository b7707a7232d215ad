// Writes a set of files so that either all of them land or the output directory is left as it
// was: every file is first written and synced beside its target, and only then renamed into
// place; a failure in either phase removes what this run added and restores what it replaced.
import { closeSync, existsSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export interface FileToWrite {
  target: string;
  content: string;
  mode: number;
}

export interface WriteOps {
  rename: (from: string, to: string) => void;
}

const REAL_OPS: WriteOps = { rename: renameSync };

interface Staged { tmp: string; target: string; backup?: string; committed: boolean }

function sidePath(target: string, tag: string): string {
  return join(dirname(target), `.${basename(target)}.pg-ha-init-${tag}-${randomBytes(4).toString('hex')}`);
}

function writeSynced(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    fchmodSync(fd, mode); // exact mode whatever the umask: 0600 must stay 0600
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates missing parent directories, returning the ones it created, outermost first. */
function ensureDir(dir: string, created: string[]): void {
  if (existsSync(dir)) return;
  ensureDir(dirname(dir), created);
  // Directories holding secrets are private too; the others are ordinary.
  mkdirSync(dir, { mode: basename(dir) === 'secrets' ? 0o700 : 0o755 });
  created.push(dir);
}

function quietly(action: () => void): void {
  try { action(); } catch { /* best effort while undoing */ }
}

function undo(staged: Staged[], created: string[], ops: WriteOps): void {
  for (const s of [...staged].reverse()) {
    if (s.committed) {
      if (s.backup !== undefined) quietly(() => ops.rename(s.backup as string, s.target));
      else quietly(() => unlinkSync(s.target));
    } else {
      quietly(() => unlinkSync(s.tmp));
      if (s.backup !== undefined) quietly(() => unlinkSync(s.backup as string));
    }
  }
  for (const dir of [...created].reverse()) quietly(() => rmdirSync(dir));
}

export function writeAtomically(files: readonly FileToWrite[], ops: WriteOps = REAL_OPS): void {
  const created: string[] = [];
  const staged: Staged[] = [];
  try {
    for (const file of files) {
      ensureDir(dirname(file.target), created);
      const tmp = sidePath(file.target, 'new');
      staged.push({ tmp, target: file.target, committed: false });
      writeSynced(tmp, file.content, file.mode);
    }
    for (const s of staged) {
      if (existsSync(s.target)) {
        s.backup = sidePath(s.target, 'old');
        linkSync(s.target, s.backup);
      }
      ops.rename(s.tmp, s.target);
      s.committed = true;
    }
  } catch (error) {
    undo(staged, created, ops);
    throw error;
  }
  for (const s of staged) if (s.backup !== undefined) quietly(() => unlinkSync(s.backup as string));
}
