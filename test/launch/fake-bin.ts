// A PATH holding only the scripts a test writes: stand-ins for docker, docker-compose, podman.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir } from '../support/tmp.js';

/** `scripts` maps a program name to the body of a POSIX sh script. Returns the directory (use it as PATH). */
export function fakeBin(t: TestContext, scripts: Record<string, string> = {}): string {
  const dir = join(tempDir(t, 'pg-ha-bin-'), 'bin');
  mkdirSync(dir);
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}
