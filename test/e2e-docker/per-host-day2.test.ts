// Day 2 in per-host bundles (issue 11, "Per-host bundles"), run as a user runs it (the CLI in a
// child process, in each node's own bundle), on three compose projects on the one engine, as three
// machines would be: a primary P and replicas A and B, each dialling the others' published ports on
// the rig gateway (the Docker host). Every bundle lists the other two in PEER_HOSTS, as the README
// advises. Under a write load through a multi-host connection string that logs acknowledged ids:
// - bad input first: failover in A while P answers (exit 2, nothing changed); follow in B to A
//   while A is still a replica (exit 2, not a writable primary); failover --to (exit 2);
// - `docker kill -s KILL` P. The replica that received the most WAL (NEW; the other is OTHER) is
//   promoted, as an operator should: failover in OTHER, when it received less, is refused (exit 2,
//   it names the other host); failover in NEW without --old-primary-down is refused (exit 2,
//   nothing changed); then `failover --yes --old-primary-down` in NEW: it takes writes (time from
//   the command to the first acknowledged write; acknowledged ids missing, reported);
// - `follow --primary-host` in OTHER's bundle: it streams from NEW on the new timeline;
// - the comeback: `docker compose up -d` in P's project with its old bundle: for 20 s P never
//   accepts a write (its start-time peer check finds NEW writable on a newer timeline);
// - `rejoin --primary-host` in P's bundle: P streams from NEW (rewound or not; the diverged WAL
//   saved aside when it diverged);
// - at the end every table's checksum is the same on all three.
// Variants: Compose v2 on PG 18, docker-compose v1 on PG 15 (PG_HA_E2E_MAJORS / _ENGINES narrow them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { multiHostConninfo } from '../../src/cluster/index.js';
import { missingAcks, startWriteLoad } from '../support/write-load.js';
import { PG_BIN } from '../support/as-postgres.js';
import { dataLayout } from './support/bundle.js';
import { cli, writableNodes } from './support/day2.js';
import { describe, type Variant } from './support/matrix.js';
import { docker } from './support/rig.js';
import { psql, scenario, waitStreaming, type Node, type PerHostPrimary, type PerHostReplica } from './support/scenario.js';

const VARIANTS: Variant[] = ([{ major: 18, engine: 'v2' }, { major: 15, engine: 'v1' }] as Variant[]).filter((v) => {
  const majors = process.env.PG_HA_E2E_MAJORS?.split(/[\s,]+/);
  const engines = process.env.PG_HA_E2E_ENGINES?.split(/[\s,]+/);
  return (!majors || majors.includes(String(v.major))) && (!engines || engines.includes(v.engine));
});

const TABLE = 'per_host_load';

type Bundled = Pick<PerHostPrimary, 'bundle' | 'project'>;

/** The bundle's files and its node's answer: "nothing changed" compares two of these. */
async function snapshot(b: Bundled, service: string): Promise<string> {
  const answer = await b.project.psql(service, "SELECT pg_is_in_recovery() || ' ' || coalesce((SELECT received_tli FROM pg_stat_wal_receiver)::text, '-');", { allowFail: true }).catch(() => 'down');
  const files = ['compose.yaml', 'pg-ha-init.json', `env/${service}.env`].map((f) => `${f}: ${createHash('sha256').update(b.bundle.read(f)).digest('hex').slice(0, 12)}`);
  return [`${service}: ${answer.startsWith('ERROR') ? 'down' : answer}`, ...files].join('\n');
}

/** Table checksums of the public schema, as one line. */
function checksums(node: Node): Promise<string> {
  return psql(node, `SELECT string_agg(t || '=' || c, ' ' ORDER BY t) FROM (
    SELECT c.relname AS t, (xpath('//s/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)) AS s FROM %I.%I x', ',', '', n.nspname, c.relname), false, false, '')))[1]::text AS c
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public') q;`);
}

for (const variant of VARIANTS) {
  test(`per-host day 2 [${describe(variant)}]: failover on a replica's host, follow on the other's, the old primary refused on comeback and rejoined`, { timeout: 1_200_000 }, async (t) => {
    await scenario(t, 'per-host day 2', variant, async (s) => {
      const gw = s.rig.gateway;
      const password = `phd2-${Math.random().toString(36).slice(2, 12)}`;
      const p = await s.perHostPrimary('phd2', { REPLICATION_PASSWORD: password });
      const a = await s.perHostReplica('phd2', p.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica_a' });
      const b = await s.perHostReplica('phd2', p.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica_b' });
      const portA = a.bundle.config.replicaPort;
      const portB = b.bundle.config.replicaPort;
      // The supported setup: every bundle lists the other nodes in PEER_HOSTS.
      p.bundle.rerender({ PEER_HOSTS: `${gw}:${portA},${gw}:${portB}` });
      a.bundle.rerender({ PEER_HOSTS: `${gw}:${p.port},${gw}:${portB}` });
      b.bundle.rerender({ PEER_HOSTS: `${gw}:${p.port},${gw}:${portA}` });
      const user = p.bundle.config.postgresUser;
      const P: Node = { project: p.project, service: 'primary', user };
      const A: Node = { project: a.project, service: 'replica', user };
      const B: Node = { project: b.project, service: 'replica', user };

      await p.project.up();
      await p.project.waitHealthy(['primary'], 120_000);
      await a.project.up();
      await b.project.up();
      await waitStreaming(P, [{ node: A, name: 'replica_a' }, { node: B, name: 'replica_b' }]);

      const load = startWriteLoad({
        conninfo: multiHostConninfo([p.port, portA, portB].map((port) => ({ host: '127.0.0.1', port })), { user, dbname: 'postgres', connectTimeout: 2 }),
        password: p.bundle.secrets.postgres ?? '', psql: join(PG_BIN, 'psql'), table: TABLE, maxRunMs: 900_000,
      });
      let loadStopped = false;
      t.after(async () => { if (!loadStopped) await load.stop(); });
      await load.nextAck(60_000);
      const pContainer = await p.project.id('primary');
      let rejoinHow = '';
      // The replica promoted (the one that received the most at the kill) and the other one.
      let nw: PerHostReplica = a;
      let other: PerHostReplica = b;
      const nodeOf = (r: PerHostReplica): Node => (r === a ? A : B);
      const portOf = (r: PerHostReplica): number => (r === a ? portA : portB);

      await s.steps([
        ['bad input while P answers: failover in A, follow in B to a replica: exit 2, nothing changed', async () => {
          const before = [await snapshot(a, 'replica'), await snapshot(b, 'replica')].join('\n');
          const healthy = await cli(s, a, ['failover', '--yes', '--old-primary-down']);
          assert.equal(healthy.code, 2, healthy.stdout + healthy.stderr);
          assert.match(healthy.stdout, new RegExp(`the primary answers at ${gw.replace(/\./g, '\\.')}:${p.port} as a writable primary[^\\n]*Fix: stop it on its host first`));
          const toReplica = await cli(s, b, ['follow', '--primary-host', gw, '--primary-port', String(portA), '--yes']);
          assert.equal(toReplica.code, 2, toReplica.stdout + toReplica.stderr);
          assert.match(toReplica.stdout, /is not a writable primary \(it is in recovery/);
          const withTo = await cli(s, a, ['failover', '--yes', '--old-primary-down', '--to', 'replica']);
          assert.equal(withTo.code, 2, withTo.stdout + withTo.stderr);
          assert.match(withTo.stdout, /--to replica does not apply to a per-host bundle/);
          assert.equal([await snapshot(a, 'replica'), await snapshot(b, 'replica')].join('\n'), before, 'nothing changed');
        }],
        ['kill -9 P; failover in the less advanced replica and without --old-primary-down are refused; then the most advanced one takes writes', async () => {
          await load.nextAck(30_000);
          await docker(['kill', '-s', 'KILL', pContainer]);
          await sleep(1000);
          assert.equal((await p.project.inspect('primary')).State.Running, false, 'P stays down after kill (restart: unless-stopped)');
          // As an operator would: promote the replica that received the most (failover checks it).
          const received = async (n: Node) => BigInt(await psql(n, "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint;"));
          const [lsnA, lsnB] = [await received(A), await received(B)];
          [nw, other] = lsnA >= lsnB ? [a, b] : [b, a];
          s.metric('received by A, B at the kill (bytes)', `${lsnA}, ${lsnB}: ${lsnA >= lsnB ? 'A' : 'B'} is promoted`);
          if (lsnA !== lsnB) {
            const behind = await cli(s, other, ['failover', '--yes', '--old-primary-down']);
            assert.equal(behind.code, 2, behind.stdout + behind.stderr);
            assert.match(behind.stdout, /bytes more than replica[^\n]*Fix: run failover on \S+ host instead, or add --allow-data-loss/);
          }
          const before = await snapshot(nw, 'replica');
          const noFlag = await cli(s, nw, ['failover', '--yes']);
          assert.equal(noFlag.code, 2, noFlag.stdout + noFlag.stderr);
          assert.match(noFlag.stdout, /add --old-primary-down/);
          assert.equal(await snapshot(nw, 'replica'), before, 'nothing changed');

          const started = Date.now();
          const firstWrite = load.nextAck(180_000).then(() => Date.now());
          const r = await cli(s, nw, ['failover', '--yes', '--old-primary-down']);
          assert.equal(r.code, 0, `failover:\n${r.stdout}\n${r.stderr}`);
          console.log(r.stdout);
          assert.match(r.stdout, /pg-ha-init follow --primary-host NEW_PRIMARY_HOST --primary-port \d+ --yes/);
          assert.match(r.stdout, /pg-ha-init rejoin --primary-host NEW_PRIMARY_HOST --primary-port \d+ --yes/);
          const firstWriteMs = (await firstWrite) - started;
          const acked = load.acknowledgedSoFar;
          const present = (await psql(nodeOf(nw), `SELECT id FROM ${TABLE};`)).split('\n').filter(Boolean).map(Number);
          s.metric('failover -> first acknowledged write', firstWriteMs, 'ms');
          s.metric('acknowledged writes missing on the new primary after kill -9 (asynchronous)', `${missingAcks(acked, present).length} of ${acked.length}`);
          assert.equal(await psql(nodeOf(nw), 'SELECT pg_is_in_recovery();'), 'f');
          assert.equal(await psql(nodeOf(nw), 'SELECT timeline_id FROM pg_control_checkpoint();'), '2');
          const env = nw.bundle.read('env/replica.env');
          assert.match(env, /^REPLICATION_ROLE=primary$/m);
          assert.match(env, new RegExp(`^PEER_HOSTS=.*${gw.replace(/\./g, '\\.')}:${p.port}`, 'm'));
          assert.match(nw.bundle.read('compose.yaml'), /- 'replica-data:/, 'the promoted node keeps its volume');
          assert.doesNotMatch(nw.bundle.read('compose.yaml'), /postgres_password/, 'no generated superuser secret');
        }],
        ['follow in the other replica: it streams from the new primary on timeline 2', async () => {
          const r = await cli(s, other, ['follow', '--primary-host', gw, '--primary-port', String(portOf(nw)), '--yes']);
          assert.equal(r.code, 0, `follow:\n${r.stdout}\n${r.stderr}`);
          await waitStreaming(nodeOf(nw), [{ node: nodeOf(other), name: other.name }]);
          assert.equal(await psql(nodeOf(other), "SELECT sender_port || ' ' || received_tli FROM pg_stat_wal_receiver;"), `${portOf(nw)} 2`);
          assert.match(other.bundle.read('env/replica.env'), new RegExp(`^PRIMARY_PORT=${portOf(nw)}$`, 'm'));
        }],
        ['comeback: compose up -d of the old primary\'s bundle never gives a second writable node', async () => {
          await p.project.compose(['up', '-d'], { check: false });
          const deadline = Date.now() + 20_000;
          while (Date.now() < deadline) {
            assert.deepEqual(await writableNodes(p, ['primary']), [], 'P must never accept a write');
            assert.deepEqual(await writableNodes(nw, ['replica']), ['replica']);
            await sleep(500);
          }
          assert.match(await p.project.logs('primary'), /REPLICATION_ROLE=primary, but peer \S+ is already a writable primary of this cluster/);
          s.metric('comeback (compose up -d, old bundle with PEER_HOSTS)', 'refused by the start-time peer check');
        }],
        ['rejoin in P\'s bundle: it streams from the new primary, its diverged WAL saved if it diverged', async () => {
          const t0 = Date.now();
          const r = await cli(s, p, ['rejoin', '--primary-host', gw, '--primary-port', String(portOf(nw)), '--yes']);
          assert.equal(r.code, 0, `rejoin:\n${r.stdout}\n${r.stderr}`);
          console.log(r.stdout);
          rejoinHow = /rejoined \S+ in [\d.]+ s \((no rewind needed|with pg_rewind)\)/.exec(r.stdout)?.[1] ?? '';
          assert.ok(rejoinHow, r.stdout);
          s.metric('rejoin of the killed primary', `${rejoinHow}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          const saved = /kept in (\S+) in primary's volume/.exec(r.stdout)?.[1];
          if (saved !== undefined) {
            const listing = await p.project.exec('primary', ['bash', '-c', 'ls -1 "$1" && cat "$1/README"', '_', saved]);
            assert.match(listing.stdout, /^[0-9A-F]{24}$/m, 'WAL segments saved');
            assert.match(listing.stdout, /WAL of primary from [0-9A-F]+\/[0-9A-F]+ to [0-9A-F]+\/[0-9A-F]+ on timeline 1/);
            assert.ok(saved.startsWith(`${dataLayout(p.bundle, 'primary').pgdata}.diverged-`), saved);
            s.metric('diverged WAL saved aside', saved);
          }
          await waitStreaming(nodeOf(nw), [{ node: P, name: 'primary' }]);
          assert.equal(await psql(P, "SELECT sender_port || ' ' || received_tli FROM pg_stat_wal_receiver;"), `${portOf(nw)} 2`);
          assert.match(p.bundle.read('env/primary.env'), /^REPLICATION_ROLE=replica$/m);
          assert.match(p.bundle.read('compose.yaml'), new RegExp(`- 'primary-data:[\\s\\S]*- '${p.port}:5432'`), 'P keeps its volume and port');
        }],
        ['every node has the same data', async () => {
          const stopped = await load.stop();
          loadStopped = true;
          s.metric('acknowledged writes in all', stopped.acknowledged.length);
          const target = await psql(nodeOf(nw), 'SELECT pg_current_wal_lsn();');
          for (const n of [nodeOf(other), P]) {
            for (let i = 0; ; i++) {
              if (await psql(n, `SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn;`) === 't') break;
              assert.ok(i < 600, `${n.project.name} did not replay up to ${target}`);
              await sleep(100);
            }
          }
          const sums = await checksums(nodeOf(nw));
          assert.ok(sums.includes(TABLE), sums);
          assert.equal(await checksums(nodeOf(other)), sums);
          assert.equal(await checksums(P), sums);
          const present = (await psql(nodeOf(nw), `SELECT id FROM ${TABLE};`)).split('\n').filter(Boolean).map(Number);
          s.metric('acknowledged writes missing at the end', missingAcks(stopped.acknowledged, present).length);
        }],
      ]);
    });
  });
}
