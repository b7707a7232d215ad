import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { composeYamlString } from '../../../../src/render/quote/index.js';
import { composeEnvironment } from './compose.js';
import { checkFixed, checkNonText, checkRandom } from './round-trip.js';

/**
 * Writes the values into a service's `environment:` and reads them back twice: the `yaml` package
 * must give Compose's escaped form (`$` doubled), and `docker-compose config` must give the value.
 */
function viaYamlAndCompose(values: readonly string[]): string[] {
  const composeYaml =
    'services:\n  probe:\n    image: busybox\n    environment:\n' +
    values.map((v, i) => `      V${i}: ${composeYamlString(v)}\n`).join('');

  const yamlLayer = (parse(composeYaml) as { services: { probe: { environment: Record<string, unknown> } } }).services.probe.environment;
  values.forEach((v, i) => assert.equal(yamlLayer[`V${i}`], v.replaceAll('$', () => '$$'), `yaml package read ${JSON.stringify(v)} wrongly`));

  const environment = composeEnvironment({ 'compose.yaml': composeYaml });
  // `config` prints every `$` of the interpolated result as `$$` so that its output is itself a
  // valid compose file; undo exactly that to get the value a container would see.
  return values.map((_, i) => environment[`V${i}`]?.replaceAll('$$', () => '$') ?? '<missing>');
}

test('composeYamlString refuses missing and non-text values', () => checkNonText(composeYamlString));

test('composeYamlString: hostile values round-trip through yaml and docker-compose 1.29', () => {
  checkFixed(composeYamlString, viaYamlAndCompose, ['\t', '\r', 'a\nb', '\0', '\x7F', '\u0085', '\u2028', '\uFFFE', '\uD800']);
});

test('composeYamlString: random strings round-trip through yaml and docker-compose 1.29 (fast-check)', () => {
  checkRandom(composeYamlString, viaYamlAndCompose);
});
