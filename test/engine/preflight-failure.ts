// What preflight says when it fails: the LaunchError's message (a test fails if preflight passes).
import assert from 'node:assert/strict';
import { preflight } from '../../src/engine/preflight.js';
import { LaunchError } from '../../src/errors.js';

export async function preflightFailure(outDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    await preflight({ outDir, env });
  } catch (error) {
    assert.ok(error instanceof LaunchError, String(error));
    return error.message;
  }
  assert.fail('preflight passed');
}
