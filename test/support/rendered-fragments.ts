// For entrypoint tests that need a bundle rendered with particular settings (sizing, synchronous
// replication): render a stack with them and write its postgresql.conf fragments over the lab
// bundle's, for both roles. The entrypoint copies them into PGDATA at the next start.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type RawSettings } from '../../src/config/model.js';
import { renderBundle } from '../../src/render/bundle.js';
import type { Lab } from './entrypoint-run.js';

export function useRenderedFragments(lab: Lab, settings: RawSettings): void {
  const parsed = parseConfig({ REPLICATION_PASSWORD: 'unused-here', POSTGRES_PASSWORD: 'unused-here', REPLICATION_CIDR: '127.0.0.1/32', ...settings }, { mode: 'stack' });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  for (const file of renderBundle(parsed.config, 'test')) {
    const role = /^config\/(primary|replica)\/postgresql\.conf$/.exec(file.path)?.[1] as 'primary' | 'replica' | undefined;
    if (role === undefined) continue;
    const target = join(lab.bundle.configDir(role), 'postgresql.conf');
    writeFileSync(target, file.content);
    chmodSync(target, 0o644);
  }
}
