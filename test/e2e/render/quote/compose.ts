// Runs the real Docker Compose v1 (1.29, the test rig's version) over files the tests write.
// `docker-compose config` parses, interpolates and validates offline; no daemon is needed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Set for every run, so an unescaped `${VAR}` or `$VAR` visibly turns into this. */
export const VAR_VALUE = 'INTERPOLATED-BY-COMPOSE';

/**
 * `environment` of service `probe` after `docker-compose -f compose.yaml config`, with `files`
 * (compose.yaml and anything it references) written to a fresh project directory.
 */
export function composeEnvironment(files: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'quote-compose-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const r = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir, VAR: VAR_VALUE },
    });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new Error('docker-compose not found: this test needs Compose v1.29 to parse files. Install it: apt-get update && apt-get install -y docker-compose');
    }
    if (r.status !== 0) throw new Error(`docker-compose config failed (exit ${r.status}):\n${r.stderr}`);
    // The failsafe schema reads every scalar as a string: PyYAML prints 0o17 or 1e3 unquoted,
    // which YAML 1.2 would turn into numbers.
    const config = parse(r.stdout, { schema: 'failsafe' }) as { services: { probe: { environment?: Record<string, string> } } };
    return config.services.probe.environment ?? {};
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
