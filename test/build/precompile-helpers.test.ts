// The build precompiles the templates with knownHelpersOnly (scripts/build.mjs): its list of
// helpers must be the one src/render/handlebars.ts registers, or the bundle would render with a
// helper the source does not have (or fail to build for one it has).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Handlebars from 'handlebars';
import { PRECOMPILE_HELPERS } from '../../scripts/build.mjs';
import { createRenderer } from '../../src/render/handlebars.js';

test('the build knows exactly the helpers the renderer registers', () => {
  const builtIn = new Set(Object.keys(Handlebars.create().helpers));
  const registered = Object.keys(createRenderer().helpers).filter((name) => !builtIn.has(name));
  assert.deepEqual(Object.keys(PRECOMPILE_HELPERS.knownHelpers).sort(), registered.sort());
  assert.equal(PRECOMPILE_HELPERS.knownHelpersOnly, true);
});
