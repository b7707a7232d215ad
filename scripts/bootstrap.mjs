// Lets the README's commands work on a fresh clone: installs the locked dependencies once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../node_modules/.package-lock.json', import.meta.url))) {
  console.error('Installing dependencies (npm ci) ...');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
  if (npm.status !== 0) process.exit(npm.status ?? 1);
}
