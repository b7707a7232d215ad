// The quoting helpers without a parser: what each refuses before quoting anything, and the
// env-file rule the config model shares with the env-file writer. Each helper's round trip
// through its real parser (bash, docker-compose, PostgreSQL) is in test/e2e/render/quote/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envFileValueProblem } from '../../src/config/env-file-rule.js';
import { QUOTE_HELPERS } from '../../src/render/quote/helpers.js';
import { QuoteError } from '../../src/render/quote/index.js';

const HOSTILE = ["'", '"', '$', '\\', '`', '#', ' ', '${VAR}', 'a b', 'ünï', '日本', '', '\t', 'a\nb', '\0', '\u0085', '\uFEFF', '\uD800', 'plain-name_1@x.y'];

test('every template helper refuses a missing value and non-text, naming its output', () => {
  for (const [name, quote] of Object.entries(QUOTE_HELPERS)) {
    for (const v of [undefined, null, {}, true, Number.NaN]) {
      assert.throws(() => quote(v), (e: unknown) => e instanceof QuoteError && e.message.startsWith(`${e.context}: `), `${name}(${String(v)})`);
    }
  }
});

test('the config model\'s rule for names is exactly the rule the env-file writer applies', () => {
  for (const v of HOSTILE) {
    let written = true;
    try {
      QUOTE_HELPERS.env!(v);
    } catch {
      written = false;
    }
    assert.equal(envFileValueProblem(v) === undefined, written, JSON.stringify(v));
  }
});
