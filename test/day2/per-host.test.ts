// The pure rules of the per-host day-2 commands: the remote probe's parsing, what counts as "the
// old primary does not answer", PEER_HOSTS growth, a rejoining node's default slot name, and the
// refusals of a per-host failover; follow's and rejoin's flag checks against the bundle, made
// before any engine is looked for.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseLsn } from '../../src/cluster/index.js';
import { perHostFailoverRefusals, type PerHostFailoverFacts } from '../../src/day2/failover-per-host.js';
import { follow } from '../../src/day2/follow.js';
import { rejoin } from '../../src/day2/rejoin.js';
import { generate, loadConfig } from '../../src/generate.js';
import { parsePeers, replicaNameFor, withPeer } from '../../src/day2/per-host.js';
import { superuserPasswordFor } from '../../src/day2/rejoin-per-host.js';
import { isUnreachable, parseRemoteFacts } from '../../src/day2/remote.js';
import { nodeIdentityPins } from '../../src/output/rewrite.js';
import { tempDir } from '../support/tmp.js';

test('parseRemoteFacts reads IDENTIFY_SYSTEM, pg_is_in_recovery, the slot and the history', () => {
  const facts = parseRemoteFacts('7421|2|0/6000148|\nf\n--- slot\nt\n--- history\n1\t0/5000200\tno recovery target specified\n');
  assert.deepEqual({ ...facts, flushLsn: facts.flushLsn.toString(16) }, {
    systemIdentifier: '7421', timeline: 2, flushLsn: parseLsn('0/6000148').toString(16), inRecovery: false, slotActive: true,
    history: [{ timeline: 1, switchpoint: parseLsn('0/5000200'), reason: 'no recovery target specified' }],
  });
  const first = parseRemoteFacts('7421|1|0/3000060|\nt\n--- slot\n--- history\n');
  assert.equal(first.inRecovery, true);
  assert.equal(first.slotActive, null);
  assert.deepEqual(first.history, []);
  // A server that sends the history as hex bytea.
  const hex = `\\x${Buffer.from('1\t0/5000200\treason\n').toString('hex')}`;
  assert.equal(parseRemoteFacts(`1|2|0/1|\nf\n--- slot\nf\n--- history\n${hex}\n`).history[0]?.timeline, 1);
  assert.throws(() => parseRemoteFacts('psql: error\n--- slot\n--- history\n'), /unexpected answer to IDENTIFY_SYSTEM/);
});

test('isUnreachable: nothing answered, as opposed to a server that said no', () => {
  assert.ok(isUnreachable('psql: error: connection to server at "172.17.0.1", port 5440 failed: Connection refused'));
  assert.ok(isUnreachable('psql: error: connection to server at "10.0.0.9", port 5432 failed: timeout expired'));
  assert.ok(isUnreachable('psql: error: could not translate host name "db1" to address: Name or service not known'));
  assert.ok(!isUnreachable('psql: error: connection to server at "172.17.0.1", port 5440 failed: FATAL:  password authentication failed for user "replicator"'));
  assert.ok(!isUnreachable('ERROR: syntax error'));
});

test('withPeer adds host:port once; a bare host means 5432', () => {
  assert.deepEqual(parsePeers('db1,db3:5433,[fd00::7],[fd00::8]:6000,fd00::9'), [
    { host: 'db1', port: 5432 }, { host: 'db3', port: 5433 }, { host: 'fd00::7', port: 5432 }, { host: 'fd00::8', port: 6000 }, { host: 'fd00::9', port: 5432 },
  ]);
  assert.equal(withPeer(undefined, { host: 'db1', port: 5440 }), 'db1:5440');
  assert.equal(withPeer('db3', { host: 'db1', port: 5432 }), 'db3,db1:5432');
  assert.equal(withPeer('db1,db3:5433', { host: 'db1', port: 5432 }), 'db1,db3:5433');
  assert.equal(withPeer('db1:5440', { host: 'db1', port: 5440 }), 'db1:5440');
  assert.equal(withPeer('[fd00::7]:5432', { host: 'fd00::7', port: 5432 }), '[fd00::7]:5432');
  assert.equal(withPeer('', { host: 'fd00::7', port: 6000 }), '[fd00::7]:6000');
});

test('replicaNameFor makes a slot name of a service name', () => {
  assert.equal(replicaNameFor('primary'), 'primary');
  assert.equal(replicaNameFor('db-1.a'), 'db_1_a');
});

test('nodeIdentityPins keeps the service and the published port through a role change, nothing otherwise', () => {
  const manifest = { mode: 'node' as const, role: 'replica' as const, settings: {}, services: [{ name: 'replica', role: 'replica' as const, publishAddress: null, publishPort: 5441, replicaName: 'db2', primaryHost: 'db1', primaryPort: 5440 }] };
  assert.deepEqual(nodeIdentityPins(manifest, { REPLICATION_ROLE: 'primary' }), { SERVICE_NAME: 'replica', PRIMARY_PORT: '5441' });
  assert.deepEqual(nodeIdentityPins({ ...manifest, settings: { SERVICE_NAME: 'db2' } }, { REPLICATION_ROLE: 'primary' }), { SERVICE_NAME: 'db2', PRIMARY_PORT: '5441' });
  assert.deepEqual(nodeIdentityPins({ ...manifest, role: 'primary' }, { REPLICATION_ROLE: 'replica' }), { SERVICE_NAME: 'replica', REPLICA_PORT: '5441' });
  assert.deepEqual(nodeIdentityPins(manifest, { PRIMARY_HOST: 'db3' }), {});
  assert.deepEqual(nodeIdentityPins({ ...manifest, mode: 'stack' }, { REPLICATION_ROLE: 'primary' }), {});
});

test('per-host failover refuses --to, a primary bundle, a stopped or writable node, and an old primary that answers', () => {
  const base: PerHostFailoverFacts = {
    role: 'replica', service: 'replica', running: true, nodeInRecovery: true, oldPrimary: { host: 'db1', port: 5440 },
    oldPrimaryAnswer: { ok: false, unreachable: true, detail: 'Connection refused' },
    own: { systemIdentifier: '1', timeline: 1, position: 100n }, siblings: [], allowDataLoss: false,
  };
  assert.deepEqual(perHostFailoverRefusals(base), []);
  const writable = { ok: true as const, facts: { systemIdentifier: '1', timeline: 1, flushLsn: 0n, inRecovery: false, history: [], slotActive: null } };
  const cases: [Partial<PerHostFailoverFacts>, RegExp][] = [
    [{ to: 'replica' }, /--to replica does not apply to a per-host bundle/],
    [{ role: 'primary' }, /declared primary/],
    [{ running: false, nodeInRecovery: null }, /replica is not running/],
    [{ nodeInRecovery: false }, /already accepts writes/],
    [{ oldPrimaryAnswer: writable }, /the primary answers at db1:5440 as a writable primary/],
    [{ oldPrimaryAnswer: { ...writable, facts: { ...writable.facts, inRecovery: true } } }, /answers, as a replica/],
    [{ oldPrimaryAnswer: { ok: false, unreachable: false, detail: 'password authentication failed' } }, /something answers at db1:5440/],
    [{ siblings: [{ peer: { host: 'db3', port: 5432 }, answer: { ok: true, facts: { ...writable.facts, inRecovery: true, flushLsn: 180n } } }] }, /db3:5432 received WAL up to 0\/B4, 80 bytes more than replica/],
    [{ siblings: [{ peer: { host: 'db3', port: 5432 }, answer: writable }] }, /db3:5432 \(in PEER_HOSTS\) already answers as a writable primary/],
  ];
  for (const [over, want] of cases) {
    const failures = perHostFailoverRefusals({ ...base, ...over });
    assert.ok(failures.some((f) => want.test(f.message)), `${Object.keys(over).join(",")}: ${failures.map((f) => f.message).join('; ')}`);
  }
  const behind = { ok: true as const, facts: { ...writable.facts, inRecovery: true, flushLsn: 180n } };
  assert.deepEqual(perHostFailoverRefusals({ ...base, allowDataLoss: true, siblings: [{ peer: { host: 'db3', port: 5432 }, answer: behind }] }), [], '--allow-data-loss');
  assert.deepEqual(perHostFailoverRefusals({ ...base, siblings: [{ peer: { host: 'db3', port: 5432 }, answer: { ...behind, facts: { ...behind.facts, flushLsn: 90n } } }] }), [], 'a sibling behind this node');
  const stop = perHostFailoverRefusals({ ...base, oldPrimaryAnswer: writable })[0];
  assert.match(stop?.fix ?? '', /stop it on its host first/);
});

test('rejoin\'s superuser password: the bundle\'s secret, else POSTGRES_PASSWORD_FILE, else a problem naming both', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'secrets'));
  const problem = superuserPasswordFor(dir, {});
  assert.ok('problem' in problem && /holds no secrets\/postgres_password, and POSTGRES_PASSWORD_FILE is not set/.test(problem.problem));
  writeFileSync(join(dir, 'given'), 'from-env\n');
  assert.deepEqual(superuserPasswordFor(dir, { POSTGRES_PASSWORD_FILE: join(dir, 'given') }), { password: 'from-env', from: join(dir, 'given') });
  const missing = superuserPasswordFor(dir, { POSTGRES_PASSWORD_FILE: join(dir, 'nope') });
  assert.ok('problem' in missing && /cannot be read \(ENOENT\)/.test(missing.problem));
  writeFileSync(join(dir, 'secrets/postgres_password'), 'own\n');
  assert.deepEqual(superuserPasswordFor(dir, { POSTGRES_PASSWORD_FILE: join(dir, 'given') }), { password: 'own', from: join(dir, 'secrets/postgres_password') });
});

test('follow and rejoin refuse a flag that does not fit the bundle before looking for an engine (exit 2 on a host whose engine is down)', async (t) => {
  const stack = tempDir(t, 'day2-precheck-stack');
  generate(loadConfig('stack', {}), { outDir: stack, dryRun: false, force: false });
  const primary = tempDir(t, 'day2-precheck-primary');
  generate(loadConfig('node', { REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'repl-pw' }), { outDir: primary, dryRun: false, force: false });
  // No engine can be found with this PATH: a refusal that got as far as the engine would say so instead.
  const base = { yes: true, say: () => {}, env: { PATH: '/nonexistent' } };
  const usage = (pattern: RegExp) => (e: Error) => e.name === 'UsageError' && pattern.test(e.message);
  await assert.rejects(follow({ ...base, dir: stack, primary: { host: 'db2', port: 5432 } }), usage(/single-host stack bundle: .*follow is for per-host replica bundles/));
  await assert.rejects(follow({ ...base, dir: primary, primary: { host: 'db2', port: 5432 } }), usage(/is this host's primary \(primary\); follow repoints a replica\. .*pg-ha-init rejoin --primary-host db2 --primary-port 5432/));
  await assert.rejects(rejoin({ ...base, dir: stack, reclone: false, primary: { host: 'db2', port: 5432 } }), usage(/--primary-host, --primary-port and --replica-name are for per-host bundles/));
  await assert.rejects(rejoin({ ...base, dir: stack, reclone: false }), usage(/rejoin needs NODE in a stack bundle/));
  await assert.rejects(rejoin({ ...base, dir: primary, reclone: false, node: 'primary' }), usage(/per-host bundle: give the current primary, as this host reaches it: pg-ha-init rejoin --primary-host HOST/));
});
