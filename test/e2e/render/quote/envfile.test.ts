import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envFileValue } from '../../../../src/render/quote/index.js';
import { composeEnvironment } from './compose.js';
import { HOSTILE, checkFixed, checkNonText, checkRandom } from './round-trip.js';

/**
 * Compose v1.29 reads `V<i>=<value>` lines through `env_file:`. Compose v2 is not installed here,
 * so its rules are checked by inspection: compose-go reads an unquoted value to the end of the
 * line, cuts it at ` #`, trims whitespace and expands `$` and `\` escapes; a value that starts
 * with no quote and holds no whitespace, control character, `$`, `\` or `#` passes unchanged.
 */
function viaComposeV1(values: readonly string[]): string[] {
  for (const v of values) {
    assert.doesNotMatch(v, /['"`$\\#\s\p{Cc}]/u, `${JSON.stringify(v)} would be read differently by Compose v2`);
  }
  const environment = composeEnvironment({
    'compose.yaml': 'services:\n  probe:\n    image: busybox\n    env_file: values.env\n',
    'values.env': values.map((v, i) => `V${i}=${envFileValue(v)}\n`).join(''),
  });
  return values.map((_, i) => environment[`V${i}`] ?? '<missing>');
}

test('envFileValue refuses missing and non-text values', () => checkNonText(envFileValue));

test('envFileValue: hostile values round-trip through docker-compose 1.29, or are refused', () => {
  const accepted = [':', '&', '=', '%', '@', '/', ',', '+', '-leading', ':foo', 'key=value&x=%41', '@file', '+group', 'all', 'replication', 'samerole', 'ünïcødé', '日本', `long-${'x'.repeat(95)}`, ''];
  checkFixed(envFileValue, viaComposeV1, HOSTILE.filter((v) => !accepted.includes(v)));
});

test('envFileValue: random strings round-trip through docker-compose 1.29, or are refused (fast-check)', () => {
  checkRandom(envFileValue, viaComposeV1, 20);
});
