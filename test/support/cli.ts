// Runs the CLI the way a user does: a separate process, a clean environment, real files.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface CliRun { status: number; stdout: string; stderr: string }

export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): CliRun {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd,
    encoding: 'utf8',
    // Only PATH and HOME from the caller: a developer's own HA variables must not leak in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...env },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
