// Every mode's render, parsed and checked structurally: compose.yaml through a YAML parser, env
// files as Compose reads them, the PostgreSQL fragments line by line. docker-compose 1.29's own
// validator reads them in test/e2e/render/bundle-compose.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { parseConfig, type Config, type RawSettings } from '../../src/config/model.js';
import type { Mode } from '../../src/config/settings.js';
import { generate } from '../../src/generate.js';
import { renderBundle } from '../../src/render/bundle.js';
import { literalEnv } from '../support/env-file.js';
import { tempDir } from '../support/tmp.js';

const REPL_PW = 'Repl-Secret-4711';
const SUPER_PW = 'Super-Secret-0815';

function config(mode: Mode, settings: RawSettings): Config {
  const result = parseConfig(settings, { mode });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

function files(c: Config): Map<string, { content: string; mode: number }> {
  return new Map(renderBundle(c, '0.0.0-test').map((f) => [f.path, f]));
}

function composeOf(c: Config): Record<string, any> {
  return parse(files(c).get('compose.yaml')!.content);
}

const stack = (extra: RawSettings = {}) => config('stack', { REPLICATION_PASSWORD: REPL_PW, POSTGRES_PASSWORD: SUPER_PW, ...extra });
const primaryNode = (extra: RawSettings = {}) => config('node', { HA_MODE: 'native', REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: REPL_PW, POSTGRES_PASSWORD: SUPER_PW, ...extra });
const replicaNode = (extra: RawSettings = {}) => config('node', { HA_MODE: 'native', REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1.example.internal', PRIMARY_PORT: '6543', REPLICATION_PASSWORD: REPL_PW, ...extra });

describe('single-host stack', () => {
  test('compose.yaml: compose-spec shape docker-compose 1.29 accepts', () => {
    const compose = composeOf(stack());
    assert.equal(compose.version, undefined, 'no version key');
    assert.equal(compose.name, undefined, 'no top-level name');
    assert.deepEqual(Object.keys(compose.services), ['primary', 'replica1', 'replica2']);
    for (const [name, svc] of Object.entries<any>(compose.services)) {
      assert.equal(svc.image, 'postgres:18');
      assert.deepEqual(svc.entrypoint, ['/opt/pg-ha-init/entrypoint/entrypoint.sh']);
      assert.ok(svc.volumes.includes('./entrypoint:/opt/pg-ha-init/entrypoint:ro'), 'entrypoint mounted read-only');
      assert.ok(svc.volumes.includes(`${name}-data:/var/lib/postgresql`), 'PG 18 volume at /var/lib/postgresql');
      assert.equal(svc.restart, 'unless-stopped');
      assert.deepEqual(svc.healthcheck.test, ['CMD', '/opt/pg-ha-init/entrypoint/healthcheck.sh']);
      assert.equal(svc.healthcheck.start_interval, undefined);
      assert.deepEqual(svc.env_file, [`./env/${name}.env`]);
      // The topology is read from the bundle at every start: the env/ directory (not a file) and the node's file name.
      assert.ok(svc.volumes.includes('./env:/opt/pg-ha-init/env:ro'), 'env/ mounted read-only');
      assert.ok(svc.volumes.includes('./config:/etc/pg-ha-init:ro'), 'one config for every node');
      assert.deepEqual(svc.environment, { PGHA_NODE_ENV_FILE: `/opt/pg-ha-init/env/${name}.env` });
      // Any node may be promoted, rewound or re-cloned: every service holds both secrets.
      assert.deepEqual(svc.secrets, ['replication_password', 'postgres_password']);
    }
    assert.deepEqual(compose.services.replica1.depends_on, { primary: { condition: 'service_healthy' } });
    assert.equal(compose.services.primary.depends_on, undefined);
    assert.deepEqual(compose.services.primary.ports, ['127.0.0.1:5432:5432']);
    assert.deepEqual(compose.services.replica2.ports, ['127.0.0.1:5434:5432']);
    assert.deepEqual(compose.secrets, { replication_password: { file: './secrets/replication_password' }, postgres_password: { file: './secrets/postgres_password' } });
    assert.deepEqual(Object.keys(compose.volumes), ['primary-data', 'replica1-data', 'replica2-data']);
  });

  test('PRIMARY_SERVICE moves the primary role: env files, dependencies; names, ports and volumes stay', () => {
    const c = stack({ PRIMARY_SERVICE: 'replica1' });
    const compose = composeOf(c);
    assert.equal(compose.services.replica1.depends_on, undefined, 'the primary depends on nothing');
    assert.deepEqual(compose.services.primary.depends_on, { replica1: { condition: 'service_healthy' } });
    assert.deepEqual(compose.services.replica2.depends_on, { replica1: { condition: 'service_healthy' } });
    assert.deepEqual(compose.services.primary.ports, ['127.0.0.1:5432:5432']);
    assert.deepEqual(compose.services.replica1.ports, ['127.0.0.1:5433:5432']);
    const f = files(c);
    const oldPrimary = literalEnv(f.get('env/primary.env')!.content);
    assert.deepEqual([oldPrimary.REPLICATION_ROLE, oldPrimary.PRIMARY_HOST, oldPrimary.REPLICA_NAME], ['replica', 'replica1', 'primary']);
    const newPrimary = literalEnv(f.get('env/replica1.env')!.content);
    assert.deepEqual([newPrimary.REPLICATION_ROLE, newPrimary.PRIMARY_HOST], ['primary', undefined]);
    assert.equal(literalEnv(f.get('env/replica2.env')!.content).PRIMARY_HOST, 'replica1');
    for (const bad of ['replica3', 'nobody', '']) {
      const result = parseConfig({ REPLICATION_PASSWORD: REPL_PW, PRIMARY_SERVICE: bad }, { mode: 'stack' });
      assert.ok(!result.ok && result.errors.some((e) => e.variable === 'PRIMARY_SERVICE'), bad);
    }
  });

  test('PostgreSQL 13-17 keep PGDATA one level below the image\'s VOLUME', () => {
    const c = stack({ PG_MAJOR: '15' });
    assert.ok(composeOf(c).services.primary.volumes.includes('primary-data:/var/lib/postgresql/data'));
    assert.equal(literalEnv(files(c).get('env/primary.env')!.content).PGDATA, '/var/lib/postgresql/data/pgdata');
    assert.equal(literalEnv(files(stack()).get('env/primary.env')!.content).PGDATA, '/var/lib/postgresql/18/docker');
  });

  test('env files: one per service, 0600, spec variables, no secret', () => {
    const f = files(stack({ REPLICA_COUNT: '3' }));
    const envPaths = [...f.keys()].filter((p) => p.startsWith('env/'));
    assert.deepEqual(envPaths, ['env/primary.env', 'env/replica1.env', 'env/replica2.env', 'env/replica3.env']);
    for (const path of envPaths) {
      const file = f.get(path)!;
      assert.equal(file.mode, 0o600);
      assert.ok(!file.content.includes(REPL_PW) && !file.content.includes(SUPER_PW));
    }
    const primary = literalEnv(f.get('env/primary.env')!.content);
    assert.equal(primary.HA_MODE, 'native');
    assert.equal(primary.REPLICATION_ROLE, 'primary');
    assert.equal(primary.REPLICATION_PASSWORD_FILE, '/run/secrets/replication_password');
    assert.equal(primary.POSTGRES_PASSWORD_FILE, '/run/secrets/postgres_password');
    assert.equal(primary.PRIMARY_HOST, undefined);
    const replica = literalEnv(f.get('env/replica3.env')!.content);
    assert.deepEqual(
      { role: replica.REPLICATION_ROLE, host: replica.PRIMARY_HOST, port: replica.PRIMARY_PORT, name: replica.REPLICA_NAME, user: replica.REPLICATION_USER },
      { role: 'replica', host: 'primary', port: '5432', name: 'replica3', user: 'replicator' },
    );
    assert.equal(replica.POSTGRES_PASSWORD_FILE, '/run/secrets/postgres_password', 'any node may become the primary');
    assert.equal(replica.PEER_HOSTS, 'primary:5432,replica1:5432,replica2:5432', 'the other services are its peers');
  });

  test('pg_hba: replication only for the replication role, from the compose network, with SCRAM; no trust over TCP', () => {
    const hba = files(stack({ REPLICATION_USER: 'repl@site' })).get('config/pg_hba.conf')!.content;
    const rules = hba.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.trim().split(/\s+/));
    const replication = rules.filter((r) => r[1] === 'replication');
    assert.deepEqual(replication, [['host', 'replication', '"repl@site"', 'samenet', 'scram-sha-256']]);
    for (const r of rules.filter((r) => r[0] !== 'local')) assert.equal(r.at(-1), 'scram-sha-256', r.join(' '));
  });

  test('postgresql.conf fragment: replication settings of the spec', () => {
    const conf = files(stack()).get('config/postgresql.conf')!.content;
    const settings = Object.fromEntries(conf.split('\n').filter((l) => /^\w+\s*=/.test(l)).map((l) => l.split(/\s*=\s*/).map((s) => s.replace(/\s+#.*$/, ''))));
    assert.equal(settings.wal_level, 'replica');
    assert.equal(settings.max_wal_senders, '10');
    assert.equal(settings.wal_keep_size, '256MB');
    assert.equal(settings.hot_standby, 'on');
    assert.equal(settings.listen_addresses, "'*'");
    assert.equal(settings.max_slot_wal_keep_size, "'4GB'");
  });

  test('README and .gitignore are part of the bundle', () => {
    const f = files(stack());
    assert.match(f.get('.gitignore')!.content, /^\/secrets\/$/m);
    const readme = f.get('README.md')!.content;
    for (const heading of ['## Files', '## Start', '## Verify replication', '## Promote a replica', '## Add a replica', '## When things go wrong']) {
      assert.ok(readme.includes(heading), heading);
    }
    assert.ok(!readme.includes(REPL_PW) && !readme.includes(SUPER_PW));
  });

  test('the entrypoint is shipped byte for byte, executable', () => {
    const f = files(stack());
    for (const path of ['entrypoint/entrypoint.sh', 'entrypoint/healthcheck.sh', 'entrypoint/entrypoint.d/scripts/utils/validation.sh',
      'entrypoint/entrypoint.d/scripts/init/02-database.sh', 'entrypoint/entrypoint.d/scripts/init/03-config.sh', 'entrypoint/entrypoint.d/scripts/init/04-replication.sh']) {
      assert.equal(f.get(path)?.mode, 0o755, path);
    }
  });
});

describe('per-host nodes (--from-env)', () => {
  test('primary: one service published on every interface at PRIMARY_PORT, spec CIDR default', () => {
    const c = primaryNode({ PRIMARY_PORT: '6543' });
    const compose = composeOf(c);
    assert.deepEqual(Object.keys(compose.services), ['primary']);
    assert.deepEqual(compose.services.primary.ports, ['6543:5432']);
    assert.match(files(c).get('config/pg_hba.conf')!.content, /^host\s+replication\s+"replicator"\s+0\.0\.0\.0\/0\s+scram-sha-256$/m);
    assert.ok(!files(c).has('config/primary/pg_hba.conf'), 'one config directory, not one per role');
  });

  test('replica: dials PRIMARY_HOST:PRIMARY_PORT, has its slot name, needs only the replication secret', () => {
    const c = replicaNode({ REPLICA_NAME: 'replica_eu_2' });
    const compose = composeOf(c);
    assert.deepEqual(Object.keys(compose.services), ['replica']);
    assert.equal(compose.services.replica.depends_on, undefined, 'the primary is on another machine');
    assert.deepEqual(Object.keys(compose.secrets), ['replication_password']);
    const env = literalEnv(files(c).get('env/replica.env')!.content);
    assert.equal(env.PRIMARY_HOST, 'db1.example.internal');
    assert.equal(env.PRIMARY_PORT, '6543');
    assert.equal(env.REPLICA_NAME, 'replica_eu_2');
  });
});
