// For entrypoint tests that need a bundle rendered with particular settings (sizing, synchronous
// replication): render a stack with them and write its postgresql.conf fragment (the same for
// every node) over the lab bundle's. The entrypoint copies it into PGDATA at the next start.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type RawSettings } from '../../src/config/model.js';
import { renderBundle } from '../../src/render/bundle.js';
import type { Lab } from './entrypoint-run.js';

export function useRenderedFragments(lab: Lab, settings: RawSettings): void {
  const parsed = parseConfig({ REPLICATION_PASSWORD: 'unused-here', POSTGRES_PASSWORD: 'unused-here', REPLICATION_CIDR: '127.0.0.1/32', ...settings }, { mode: 'stack' });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  const fragment = renderBundle(parsed.config, 'test').find((file) => file.path === 'config/postgresql.conf');
  assert.ok(fragment, 'the bundle has config/postgresql.conf');
  const target = join(lab.bundle.configDir('primary'), 'postgresql.conf');
  writeFileSync(target, fragment.content);
  chmodSync(target, 0o644);
}
