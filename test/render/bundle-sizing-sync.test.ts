// What issues 9, 11 and 12 add to a rendered bundle: PEER_HOSTS in the env files, the initdb.d
// folder and its primary-only mount, the sizing lines and shm_size/limits, and the synchronous
// replication lines. The server reading these files is tested in test/e2e/sizing-sync-server.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { parseConfig, type Config, type RawSettings } from '../../src/config/model.js';
import { sizeServer } from '../../src/config/sizing.js';
import type { Mode } from '../../src/config/settings.js';
import { generate } from '../../src/generate.js';
import { renderBundle } from '../../src/render/bundle.js';
import { tempDir } from '../support/tmp.js';

const PW = 'Repl-Secret-4711';

function config(mode: Mode, settings: RawSettings): Config {
  const result = parseConfig(settings, { mode });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}
const stack = (extra: RawSettings = {}) => config('stack', { REPLICATION_PASSWORD: PW, POSTGRES_PASSWORD: PW, ...extra });
const primaryNode = (extra: RawSettings = {}) => config('node', { REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: PW, ...extra });
const replicaNode = (extra: RawSettings = {}) => config('node', { REPLICATION_ROLE: 'replica', PRIMARY_HOST: 'db1', REPLICATION_PASSWORD: PW, ...extra });

function files(c: Config): Map<string, string> {
  return new Map(renderBundle(c, '0.0.0-test').map((f) => [f.path, f.content]));
}
const composeOf = (c: Config): Record<string, any> => parse(files(c).get('compose.yaml')!);
function envValue(content: string, name: string): string | undefined {
  return content.split('\n').find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);
}
/** `name = 'value'` lines of a postgresql.conf fragment, comments dropped. */
function confValues(content: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of content.split('\n')) {
    const m = /^([a-z_]+) = (?:'((?:[^']|'')*)'|([^\s#']+))/.exec(line);
    if (m) out.set(m[1]!, m[2] === undefined ? m[3]! : m[2].replace(/''/g, "'"));
  }
  return out;
}
const configFiles = (c: Config): string[] => [...files(c).entries()].filter(([p]) => p.endsWith('postgresql.conf')).map(([, content]) => content);

describe('PEER_HOSTS', () => {
  test('stack: every service gets the other services, replicas too', () => {
    const f = files(stack({ REPLICA_COUNT: '3' }));
    assert.equal(envValue(f.get('env/primary.env')!, 'PEER_HOSTS'), 'replica1:5432,replica2:5432,replica3:5432');
    assert.equal(envValue(f.get('env/replica1.env')!, 'PEER_HOSTS'), 'primary:5432,replica2:5432,replica3:5432');
    assert.equal(envValue(f.get('env/replica3.env')!, 'PEER_HOSTS'), 'primary:5432,replica1:5432,replica2:5432');
  });
  test('per host: from the setting, absent when unset', () => {
    assert.equal(envValue(files(primaryNode({ PEER_HOSTS: 'db2,[fd00::7]:5433' })).get('env/primary.env')!, 'PEER_HOSTS'), 'db2,[fd00::7]:5433');
    assert.equal(envValue(files(replicaNode({ PEER_HOSTS: 'db1,db3' })).get('env/replica.env')!, 'PEER_HOSTS'), 'db1,db3');
    assert.equal(envValue(files(primaryNode()).get('env/primary.env')!, 'PEER_HOSTS'), undefined);
  });
});

describe('initdb.d', () => {
  test('stack and primary bundles get the folder, mounted read-only on the primary only', () => {
    for (const c of [stack(), primaryNode()]) {
      assert.ok(files(c).has('initdb.d/README.md'));
      for (const [name, svc] of Object.entries<any>(composeOf(c).services)) {
        const mounted = svc.volumes.includes('./initdb.d:/docker-entrypoint-initdb.d:ro');
        assert.equal(mounted, name === 'primary', name);
      }
    }
    assert.ok(!files(replicaNode()).has('initdb.d/README.md'), 'a replica never runs init scripts');
    assert.ok(!files(stack()).get('env/primary.env')!.includes('INITDB_SCRIPTS_DIR'), 'the official path, not rendered');
  });
  test('the user\'s scripts are never overwritten, and --check does not report them', (t) => {
    const out = join(tempDir(t), 'b');
    const c = stack();
    generate(c, { outDir: out, dryRun: false, force: false });
    mkdirSync(join(out, 'initdb.d'), { recursive: true });
    writeFileSync(join(out, 'initdb.d/01-schema.sql'), 'CREATE TABLE t (id int);\n');
    const again = generate(c, { outDir: out, dryRun: false, force: true });
    assert.ok(again.changes.every((ch) => ch.status === 'unchanged'), 'a re-render with --force changes nothing');
    assert.equal(readFileSync(join(out, 'initdb.d/01-schema.sql'), 'utf8'), 'CREATE TABLE t (id int);\n');
    assert.ok(!again.changes.some((ch) => ch.file.path === 'initdb.d/01-schema.sql'), 'not in the plan, so --check never compares it');
  });
});

describe('sizing', () => {
  test('without sizing: PostgreSQL defaults, shm_size 256m, no limits', () => {
    const c = stack();
    for (const svc of Object.values<any>(composeOf(c).services)) {
      assert.equal(svc.shm_size, '256m');
      assert.equal(svc.mem_limit, undefined);
      assert.equal(svc.cpus, undefined);
    }
    for (const conf of configFiles(c)) assert.ok(!/shared_buffers/.test(conf));
  });
  test('4GB, 2 cores, ssd: the fragment sets the sized values, each with its source', () => {
    const c = stack({ PG_MEMORY: '4GB', PG_CPUS: '2' });
    const expected = sizeServer({ memoryKb: 4 * 1024 * 1024, cpus: 2, storage: 'ssd', maxConnections: 100 });
    const confs = configFiles(c);
    assert.equal(confs.length, 1, 'one fragment for every node');
    for (const conf of confs) {
      const values = confValues(conf);
      for (const s of expected) {
        assert.equal(values.get(s.name), s.value, s.name);
        assert.ok(conf.includes(`${s.name} = '${s.value}'  # ${s.source}`), `${s.name} names its source`);
      }
      assert.equal(values.get('shared_buffers'), '1GB');
      assert.equal(values.get('work_mem'), '9709kB');
      assert.match(conf, /# Sizing for PG_MEMORY=4GB, PG_CPUS=2, PG_STORAGE=ssd, PG_MAX_CONNECTIONS=100/);
    }
    for (const svc of Object.values<any>(composeOf(c).services)) {
      assert.equal(svc.shm_size, '1g');
      assert.equal(svc.mem_limit, undefined, 'limits only when asked');
    }
  });
  test('PG_LIMITS=true caps every container at PG_MEMORY and PG_CPUS', () => {
    const c = primaryNode({ PG_MEMORY: '1536MB', PG_CPUS: '3', PG_STORAGE: 'hdd', PG_LIMITS: 'true' });
    const svc = composeOf(c).services.primary;
    assert.deepEqual([svc.shm_size, svc.mem_limit, svc.cpus], ['384m', '1536m', '3']);
    assert.equal(confValues(configFiles(c)[0]!).get('random_page_cost'), '4');
  });
  test('the manifest reads back: unset sizing stays unset', (t) => {
    const out = join(tempDir(t), 'm');
    generate(stack(), { outDir: out, dryRun: false, force: false });
    const manifest = JSON.parse(readFileSync(join(out, 'pg-ha-init.json'), 'utf8'));
    assert.equal(manifest.settings.PG_STORAGE, undefined);
    assert.equal(parseConfig(manifest.settings, { mode: 'stack' }).ok, true);
  });
});

describe('synchronous replication', () => {
  test('SYNC_REPLICAS=0 (default): no synchronous line', () => {
    for (const conf of configFiles(stack())) assert.ok(!/synchronous_standby_names/.test(conf));
  });
  test('stack, k=1: the same ANY line for every node, listing every node', () => {
    const confs = configFiles(stack({ SYNC_REPLICAS: '1' }));
    for (const conf of confs) {
      const values = confValues(conf);
      assert.equal(values.get('synchronous_standby_names'), 'ANY 1 ("primary", "replica1", "replica2")');
      assert.equal(values.get('synchronous_commit'), 'on');
      assert.match(conf, /its own name here\n# is harmless/);
    }
  });
  test('per-host primary: the names from SYNC_REPLICA_NAMES', () => {
    const conf = configFiles(primaryNode({ SYNC_REPLICAS: '2', SYNC_REPLICA_NAMES: 'replica1,replica_eu_2,replica3' }))[0]!;
    assert.equal(confValues(conf).get('synchronous_standby_names'), 'ANY 2 ("replica1", "replica_eu_2", "replica3")');
  });
  test('k above the replica count of a stack is refused with the fix', () => {
    const result = parseConfig({ REPLICATION_PASSWORD: PW, REPLICA_COUNT: '2', SYNC_REPLICAS: '3' }, { mode: 'stack' });
    assert.ok(!result.ok);
    const error = result.errors.find((e) => e.variable === 'SYNC_REPLICAS');
    assert.match(error?.problem ?? '', /more than the 2 replica/);
    assert.match(error?.fix ?? '', /from 0 to 2/);
  });
});

describe('README sections', () => {
  const readme = (c: Config): string => files(c).get('README.md')!;
  test('every bundle: durability, sizing, cold start, upgrade; init scripts only where a primary runs', () => {
    for (const c of [stack(), primaryNode(), replicaNode()]) {
      const text = readme(c);
      for (const heading of ['## Durability', '## Sizing', '## Cold start and split-brain guard', '## Upgrade to a new major']) assert.ok(text.includes(`\n${heading}\n`), heading);
      assert.equal(text.includes('\n## Init scripts (initdb.d)\n'), c.role === 'primary' || c.mode === 'stack');
      assert.match(text, /Peers that do not answer do not block a start/);
      assert.match(text, /huge_pages = off/);
      assert.doesNotMatch(text, /removes `standby\.signal` with a loud warning/, 'the entrypoint promotes now');
    }
  });
  test('the stack\'s upgrade commands carry its own settings and passwords, and restore before the replicas start', () => {
    const text = readme(stack({ REPLICA_COUNT: '3', PG_MEMORY: '4GB', PG_CPUS: '2', SYNC_REPLICAS: '1' }));
    const block = /## Upgrade to a new major[\s\S]*?```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    assert.match(block, /^REPLICA_COUNT='3' SYNC_REPLICAS='1' PG_MEMORY='4GB' PG_CPUS='2' PG_MAJOR="\$NEW_MAJOR" REPLICATION_PASSWORD_FILE="\$OLD_DIR\/secrets\/replication_password" POSTGRES_PASSWORD_FILE="\$OLD_DIR\/secrets\/postgres_password" pg-ha-init --stack --out "\$NEW_DIR"$/m);
    const order = ['pg_dumpall', 'docker compose stop', 'pg-ha-init --stack', 'up -d --wait primary', "PGOPTIONS='-c synchronous_commit=local' primary psql", 'docker compose up -d --wait\n'];
    const at = order.map((step) => block.indexOf(step));
    assert.ok(at.every((i) => i >= 0), `${order.join(' | ')}\n${block}`);
    assert.deepEqual([...at].sort((a, b) => a - b), at, 'in this order');
  });
  test('Durability says what the bundle does', () => {
    assert.match(readme(stack({ SYNC_REPLICAS: '1' })), /Every service is listed \(`primary`, `replica1`, `replica2`\)/);
    assert.match(readme(stack()), /Asynchronous replication \(`SYNC_REPLICAS=0`, the default\)/);
    assert.match(readme(stack({ PG_MEMORY: '4GB', PG_CPUS: '2', PG_LIMITS: 'yes' })), /`PG_LIMITS=true`: each container is also capped/);
  });
});
