// The shared case table (test/cases/validation-cases.json) through the TypeScript model. The same
// table drives the bundled validation.sh in test/entrypoint, so the two cannot drift apart.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/model.js';
import { formatConfigError } from '../../src/config/errors.js';
import { loadCases, materialiseEnv } from '../support/cases.js';

describe('config model: shared validation cases', () => {
  for (const c of loadCases()) {
    test(c.name, (t) => {
      const env = materialiseEnv(c.env, t);
      const result = parseConfig(env, { mode: 'node' });
      const reported = result.ok ? [] : [...new Set(result.errors.map((e) => e.variable))];
      assert.deepEqual(reported.sort(), [...c.errors].sort(), result.ok ? 'valid' : result.errors.map(formatConfigError).join('\n'));
      if (!result.ok) {
        const messages = result.errors.map(formatConfigError).join('\n');
        for (const entry of c.mentions ?? []) assert.ok(messages.includes(`"${entry}"`), `the message names "${entry}":\n${messages}`);
        for (const error of result.errors) {
          assert.match(error.fix, /\S/, `${error.variable} has a fix`);
          for (const secret of [env.REPLICATION_PASSWORD, env.POSTGRES_PASSWORD]) {
            if (secret && secret.length > 3) assert.ok(!formatConfigError(error).includes(secret), 'no secret in messages');
          }
        }
      }
    });
  }
});
