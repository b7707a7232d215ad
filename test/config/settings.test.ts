// The settings table is the one declaration of each setting. The two places that cannot import
// it, the entrypoint's set_defaults (bash, shipped byte for byte) and the README's variable table,
// are read here as text and held to it: a setting added, renamed or re-defaulted in one place
// only fails this test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/model.js';
import { SETTINGS, defaultOf, type Setting } from '../../src/config/settings.js';
import { SETTING_FLAGS } from '../../src/commands/command.js';

const TABLE = SETTINGS as readonly Setting[];
const ENV_SH = readFileSync(new URL('../../templates/entrypoint/entrypoint.d/scripts/utils/env.sh', import.meta.url), 'utf8');
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** How bash writes a default that follows another variable: `$POSTGRES_USER`. */
const symbolic = (name: string): string => `$${name}`;

/** `: "${NAME:=VALUE}"` lines of set_defaults, in order. */
function entrypointDefaults(): Map<string, string> {
  const body = /^set_defaults\(\) \{\n([\s\S]*?)^\}/m.exec(ENV_SH)?.[1];
  assert.ok(body, 'env.sh has set_defaults');
  return new Map([...body.matchAll(/^\s*: "\$\{([A-Z_]+):=([^}]*)\}"/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The README's "### Variables" table: names (X / _FILE and X, Y rows split) to the default cell. */
function readmeVariables(): Map<string, string> {
  const section = /^### Variables\n([\s\S]*?)\n\n/m.exec(README)?.[1];
  assert.ok(section, 'README has a ### Variables table');
  const rows = new Map<string, string>();
  for (const line of section.split('\n').slice(2)) {
    const [, names = '', cell = ''] = line.split('|').map((c) => c.trim());
    for (const [, name] of names.matchAll(/`([A-Z][A-Z_]+)`/g)) rows.set(name!, cell);
  }
  return rows;
}

// The entrypoint's own variables: where the mounted config is, and the port the server listens on
// inside its container. Neither is a setting of the tool (the bundle sets HA_CONFIG_DIR itself).
const ENTRYPOINT_ONLY = new Set(['HA_CONFIG_DIR', 'PGPORT']);

describe('settings table', () => {
  test('every setting has a doc, and a rule with a fix', () => {
    for (const s of TABLE) {
      assert.match(s.doc, /\S/, s.name);
      assert.equal(typeof s.rule, 'function', `${s.name} has a rule`);
      assert.match(s.fix ?? '', /\S/, `${s.name} has a fix`);
    }
  });

  test('every default passes its own rule, in both modes', () => {
    for (const mode of ['node', 'stack'] as const) {
      const resolved: Record<string, string> = {};
      for (const s of TABLE) {
        const value = defaultOf(s, mode, (name) => resolved[name] ?? '');
        if (value === undefined) continue;
        resolved[s.name] = value;
        assert.equal(s.rule?.(value), undefined, `${s.name}=${value} (${mode})`);
      }
    }
  });

  test('the model applies the table: each setting\'s rule and fix, each default', () => {
    for (const s of TABLE.filter((x) => x.key !== undefined && x.type !== 'secret')) {
      const bad = s.type === 'int' ? 'x' : 'a b$';
      const result = parseConfig({ REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw', [s.name]: bad }, { mode: 'node' });
      assert.ok(!result.ok, s.name);
      const error = result.errors.find((e) => e.variable === s.name);
      assert.equal(error?.fix, s.fix, s.name);
    }
    const stack = parseConfig({}, { mode: 'stack' });
    assert.ok(stack.ok);
    assert.deepEqual(
      { replicaCount: stack.config.replicaCount, replicaPort: stack.config.replicaPort, cidr: stack.config.replicationCidr, db: stack.config.postgresDb },
      { replicaCount: 2, replicaPort: 5433, cidr: 'samenet', db: 'postgres' },
    );
  });

  test('secrets are never flags; every flag belongs to one setting', () => {
    for (const s of TABLE.filter((x) => x.type === 'secret')) assert.equal(s.flag, undefined, s.name);
    assert.equal(new Set(SETTING_FLAGS.map((f) => f.name)).size, SETTING_FLAGS.length);
  });
});

describe('the entrypoint\'s set_defaults (env.sh) agrees with the table', () => {
  const defaults = entrypointDefaults();
  for (const s of TABLE.filter((x) => x.entrypoint)) {
    test(`${s.name}`, () => assert.equal(defaults.get(s.name), defaultOf(s, 'node', symbolic), `env.sh defaults ${s.name}`));
  }
  test('every default env.sh sets is a setting marked `entrypoint`, or the entrypoint\'s own', () => {
    for (const name of defaults.keys()) {
      if (ENTRYPOINT_ONLY.has(name)) continue;
      assert.equal(TABLE.find((s) => s.name === name)?.entrypoint, true, `${name} is defaulted by env.sh but not marked entrypoint in the table`);
    }
  });
});

describe('the README\'s variable table agrees with the table', () => {
  const rows = readmeVariables();
  test('the same variables', () => {
    assert.deepEqual([...rows.keys()].sort(), TABLE.map((s) => s.name).sort());
  });
  for (const s of TABLE) {
    test(`${s.name}: its defaults`, () => {
      for (const mode of ['node', 'stack'] as const) {
        const plain = s.default?.[mode];
        if (plain === undefined || (typeof plain === 'function' && s.defaultText !== undefined)) continue;
        const value = defaultOf(s, mode, symbolic);
        assert.ok(rows.get(s.name)?.includes(`\`${value}\``), `README shows ${s.name}'s ${mode} default \`${value}\` (cell: ${rows.get(s.name)})`);
      }
    });
  }
  test('the flag table lists each flag once, every setting flag included', () => {
    const section = /^### Flags\n([\s\S]*?)\n\n/m.exec(README)?.[1] ?? '';
    const listed = [...section.matchAll(/^\| `(?:-\w, )?--([a-z-]+)/gm)].map((m) => m[1]);
    assert.equal(new Set(listed).size, listed.length, `a flag listed twice: ${listed.join(' ')}`);
    for (const flag of SETTING_FLAGS) assert.ok(listed.includes(flag.name), flag.name);
  });
});
