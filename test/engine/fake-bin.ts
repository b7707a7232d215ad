// A PATH holding only the scripts a test writes: stand-ins for docker, docker-compose, podman.
// Mocked because they cannot exist here: the Compose v2 plugin and podman are not installable on
// these machines, and a failing daemon is easier to script than to break. The real engine path
// (docker-compose v1 on the rig's dockerd) runs in test/e2e-docker/wizard-launch.test.ts.
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
