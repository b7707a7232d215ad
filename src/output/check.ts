// --check: compare a fresh render with the output directory, as a CI gate. Drift is shown as a
// unified diff, except for secret files, whose content is never printed, not even when it differs.
import type { Change } from './changes.js';
import { unifiedDiff } from './unified-diff.js';

export interface CheckReport {
  drift: boolean;
  text: string;
}

function describe(change: Change): string {
  const { file } = change;
  if (change.current === undefined) {
    return file.secret ? `missing secret file ${file.path}\n` : unifiedDiff(file.path, '', file.content);
  }
  if (file.secret) return `secret file ${file.path} differs from the given value (content not shown)\n`;
  const diff = unifiedDiff(file.path, change.current, file.content);
  return diff === '' ? `${file.path}: mode differs, expected ${file.mode.toString(8).padStart(4, '0')}\n` : diff;
}

export function checkReport(changes: readonly Change[]): CheckReport {
  const drifted = changes.filter((c) => c.status !== 'unchanged');
  return { drift: drifted.length > 0, text: drifted.map(describe).join('') };
}
