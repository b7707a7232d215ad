// The file plan: every file a run would write, with its mode and purpose. Writing, --dry-run,
// --check and --json all work from this one list.
import type { Config } from '../config/model.js';
import { byPath, renderBundle } from '../render/bundle.js';
import { MANIFEST_PATH, manifestText } from './manifest.js';
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
  const manifest: PlannedFile = { path: MANIFEST_PATH, mode: 0o644, content: manifestText(config, toolVersion), purpose: 'What this bundle is and its settings, for pg-ha-init (no secrets)' };
  return [...renderBundle(config, toolVersion), manifest, ...secrets].sort(byPath);
}
