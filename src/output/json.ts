// --json: the resolved config and the file plan for other tools. Secret values are redacted, and
// so are their hashes: a sha256 of a weak password is as good as the password to an attacker.
import { createHash } from 'node:crypto';
import type { Config } from '../config/model.js';
import type { PlannedFile } from './plan.js';

function redact(config: Config) {
  const secret = (s: Config['replicationPassword']) => (s.kind === 'given' ? 'given (redacted)' : s.kind === 'absent' ? 'none in this bundle' : 'generated or kept (redacted)');
  return { ...config, replicationPassword: secret(config.replicationPassword), postgresPassword: secret(config.postgresPassword) };
}

export function planJson(config: Config, outDir: string, plan: readonly PlannedFile[]): string {
  const files = plan.map((f) => ({
    path: f.path,
    mode: f.mode.toString(8).padStart(4, '0'),
    purpose: f.purpose,
    secret: f.secret !== undefined,
    sha256: f.secret ? null : createHash('sha256').update(f.content).digest('hex'),
  }));
  return `${JSON.stringify({ outDir, config: redact(config), files }, null, 2)}\n`;
}
