// The file plan: every file a run would write, with its mode and purpose. Writing, --dry-run,
// --check and --json all work from this one list.
import type { Config } from '../config/model.js';
import { byPath, renderBundle } from '../render/bundle.js';
import { resolveSecrets, type SecretOrigin } from './secrets.js';

export interface PlannedFile {
  path: string;
  mode: number;
  content: string;
  purpose: string;
  /** Set for secret files: their content must never be printed. */
  secret?: { origin: SecretOrigin };
}

export function buildPlan(config: Config, outDir: string, toolVersion: string): PlannedFile[] {
  const secrets = resolveSecrets(config, outDir).map((s): PlannedFile => ({
    path: s.path,
    mode: 0o600,
    content: s.value,
    purpose: `${s.variable}, read through ${s.variable}_FILE`,
    secret: { origin: s.origin },
  }));
  return [...renderBundle(config, toolVersion), ...secrets].sort(byPath);
}
