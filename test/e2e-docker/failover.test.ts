// `pg-ha-init failover` and `pg-ha-init rejoin` on a real Docker engine (issue 11), run as a user
// runs them (the CLI, in a child process), on a rendered stack of primary + 2 replicas, under a
// write load through the multi-host connection string that logs every acknowledged id:
// - bad input: failover while the primary is healthy, rejoin of the current primary or of a
//   running replica: exit 2, nothing changed (state and bundle files compared);
// - cycle 1: `docker kill -s KILL` the primary under the load, failover: a replica takes writes
//   (time from `failover` to the first acknowledged write), the other streams from it, the
//   acknowledged ids missing are counted (asynchronous: reported, not hidden); then every way
//   back for the old primary: `docker start` of its old container, `compose up -d`, the old env
//   file put back, a container created from a copy of the old bundle, and the old env file again
//   while the new primary is down: each time, for 20 s,
//   no second node accepts a write; then rejoin (rewound when it wrote past the switchpoint) and
//   switchover back;
// - cycle 2: the replicas are cut off while the primary takes acknowledged writes, then it is
//   killed: those writes are lost by the failover, and rejoin saves the diverged WAL aside (the
//   files and the note of the range are checked) before it rewinds;
// - cycle 3: the primary is stopped cleanly with no writes in flight; failover --to a stopped
//   replica is refused (exit 2); failover; rejoin needs no rewind;
// - at the end every table's checksum is the same on every node; rejoin of a node whose data
//   is another cluster (system identifier) is refused, exit 2.
// Variants: Compose v2 on PG 18, docker-compose v1 on PG 15 (PG_HA_E2E_MAJORS / _ENGINES narrow them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { multiHostConninfo } from '../../src/cluster/index.js';
import { missingAcks, startWriteLoad, type WriteLoad } from '../support/write-load.js';
import { PG_BIN } from '../support/as-postgres.js';
import { dataLayout } from './support/bundle.js';
import { cli, onlyWritable, snapshot, streamingOn as streamingDay2 } from './support/day2.js';
import { describe, type Variant } from './support/matrix.js';
import { run } from './support/process.js';
import { docker } from './support/rig.js';
import { psql, scenario, waitStreaming, type Node, type Stack } from './support/scenario.js';

const VARIANTS: Variant[] = ([{ major: 18, engine: 'v2' }, { major: 15, engine: 'v1' }] as Variant[]).filter((v) => {
  const majors = process.env.PG_HA_E2E_MAJORS?.split(/[\s,]+/);
  const engines = process.env.PG_HA_E2E_ENGINES?.split(/[\s,]+/);
  return (!majors || majors.includes(String(v.major))) && (!engines || engines.includes(v.engine));
});

const SERVICES = ['primary', 'replica1', 'replica2'] as const;

// Issue 11: the full cycle (failover, rejoin, switchover back) 3 times, on both engines.
const CYCLES = [1, 2, 3];
const TABLE = 'failover_load';

function node(stack: Stack, service: string): Node {
  return { project: stack.project, service, user: stack.bundle.config.postgresUser };
}

const streamingOn = (stack: Stack, primary: string, timeline: number): Promise<void> => streamingDay2(stack, SERVICES, primary, timeline);

/** Wait until every replica has replayed the primary's current WAL position. */
async function caughtUp(stack: Stack, primary: string): Promise<void> {
  const target = await psql(node(stack, primary), 'SELECT pg_current_wal_lsn();');
  for (const r of SERVICES.filter((n) => n !== primary)) {
    for (let i = 0; ; i++) {
      if (await psql(node(stack, r), `SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn;`) === 't') break;
      assert.ok(i < 600, `${r} did not replay up to ${target}`);
      await sleep(100);
    }
  }
}

interface FailedOver { to: string; firstWriteMs: number; lost: number; stdout: string }

/** Run `failover --yes` and time it until the load's next acknowledged write (on the new primary). */
async function failoverUnderLoad(s: Parameters<typeof cli>[0], stack: Stack, load: WriteLoad): Promise<FailedOver> {
  const started = Date.now();
  const firstWrite = load.nextAck(180_000).then(() => Date.now());
  const r = await cli(s, stack, ['failover', '--yes']);
  assert.equal(r.code, 0, `failover:\n${r.stdout}\n${r.stderr}`);
  const to = /Failing over from primary to (replica\d)/.exec(r.stdout)?.[1];
  assert.ok(to, r.stdout);
  assert.match(r.stdout, /What may be lost: WAL the old primary wrote beyond \S+ \(what replica\d received\) is unknown until `pg-ha-init rejoin` reads it/);
  assert.match(r.stdout, /target_session_attrs='read-write'/);
  const firstWriteMs = (await firstWrite) - started;
  // The acks first: a write acknowledged after this read is on the new primary anyway.
  const acked = load.acknowledgedSoFar;
  const present = (await psql(node(stack, to), `SELECT id FROM ${TABLE};`)).split('\n').filter(Boolean).map(Number);
  const lost = missingAcks(acked, present).length;
  return { to, firstWriteMs, lost, stdout: r.stdout };
}

for (const variant of VARIANTS) {
  test(`failover and rejoin [${describe(variant)}]: kill -9 under load, no second primary on any comeback, rewind with the diverged WAL saved, ${CYCLES.length} cycles`, { timeout: 1_500_000 }, async (t) => {
    await scenario(t, 'failover', variant, async (s) => {
      const stack = await s.stack('failover', { REPLICA_COUNT: '2' });
      const { project, bundle } = stack;
      await project.up();
      await streamingOn(stack, 'primary', 1);
      const pgdata = dataLayout(bundle, 'primary').pgdata;
      const load = startWriteLoad({
        conninfo: multiHostConninfo(SERVICES.map((_, i) => ({ host: '127.0.0.1', port: stack.port + i })), { user: 'postgres', dbname: 'postgres' }),
        password: bundle.secrets.postgres ?? '', psql: join(PG_BIN, 'psql'), table: TABLE, maxRunMs: 1_200_000,
      });
      // Stopped in cycle 3; on a failure before that, here (its psql loop would keep the process alive).
      let loadStopped = false;
      t.after(async () => { if (!loadStopped) await load.stop(); });
      let timeline = 1;
      const firstWrites: number[] = [];
      const lostPerCycle: number[] = [];
      const wayBack: string[] = [];
      const rejoinMs: number[] = [];

      await s.steps([
        ['bad input: failover while the primary is healthy, rejoin of the primary or of a running replica: exit 2, nothing changed', async () => {
          const before = await snapshot(stack, SERVICES);
          const healthy = await cli(s, stack, ['failover', '--yes']);
          assert.equal(healthy.code, 2, healthy.stdout + healthy.stderr);
          assert.match(healthy.stdout, /primary answers as a writable primary\. Fix: use `pg-ha-init switchover --to NODE` for a planned move, or --force/);
          const toPrimary = await cli(s, stack, ['rejoin', 'primary', '--yes']);
          assert.equal(toPrimary.code, 2, toPrimary.stdout + toPrimary.stderr);
          assert.match(toPrimary.stdout, /primary is the current primary/);
          const running = await cli(s, stack, ['rejoin', 'replica1', '--yes']);
          assert.equal(running.code, 2, running.stdout + running.stderr);
          assert.match(running.stdout, /replica1 is running \(replica, streaming\)/);
          const noYes = await cli(s, stack, ['failover']);
          assert.equal(noYes.code, 2, noYes.stdout + noYes.stderr);
          assert.equal(await snapshot(stack, SERVICES), before, 'nothing changed');
        }],
        ...CYCLES.map((cycle) => [`cycle ${cycle}: ${cycle === 3 ? 'clean stop' : cycle === 2 ? 'replicas cut off, writes, kill -9' : 'kill -9 under load'}, failover, ${cycle === 1 ? 'comeback attempts, ' : ''}rejoin, switchover back`, async () => {
          if (cycle === 1) {
            await load.nextAck(60_000);
          }
          const oldBundle = s.tmp('old-bundle');
          cpSync(bundle.dir, oldBundle, { recursive: true });
          const oldEnv = readFileSync(join(bundle.dir, 'env/primary.env'), 'utf8');
          const oldContainer = await project.id('primary');
          let result: FailedOver;
          if (cycle === 3) {
            // No write in flight and every replica has everything: the old primary has nothing extra.
            const stopped = await load.stop();
            loadStopped = true;
            s.metric('acknowledged writes in all', stopped.acknowledged.length);
            await caughtUp(stack, 'primary');
            await docker(['stop', '-t', '30', oldContainer]);
            // --to a node that is down: refused, nothing changed.
            await project.compose(['stop', 'replica2']);
            const before = await snapshot(stack, SERVICES);
            const down = await cli(s, stack, ['failover', '--to', 'replica2', '--yes']);
            assert.equal(down.code, 2, down.stdout + down.stderr);
            assert.match(down.stdout, /replica2 is [^\n]*: it cannot be promoted\. Fix: start replica2 first/);
            assert.equal(await snapshot(stack, SERVICES), before, 'nothing changed');
            await project.compose(['start', 'replica2']);
            await sleep(3000);
            const started = Date.now();
            const r = await cli(s, stack, ['failover', '--yes']);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            const to = /Failing over from primary to (replica\d)/.exec(r.stdout)?.[1] ?? '';
            result = { to, firstWriteMs: Date.now() - started, lost: 0, stdout: r.stdout };
          } else {
            await load.nextAck(60_000);
            if (cycle === 2) {
              // The replicas receive nothing while the primary acknowledges more writes: its
              // replication connections are refused and cut (`docker pause` would not do: the
              // WAL already sent waits in the paused replicas' socket buffers).
              await project.exec('primary', ['sed', '-i', '1i host replication all all reject', `${pgdata}/pg-ha-init.hba.conf`], { user: 'postgres' });
              await psql(node(stack, 'primary'), 'SELECT pg_reload_conf(); SELECT count(pg_terminate_backend(pid)) FROM pg_stat_replication;');
              await sleep(500);
              const n = load.ackCount;
              while (load.ackCount < n + 20) await load.nextAck(30_000);
            }
            await docker(['kill', '-s', 'KILL', oldContainer]);
            result = await failoverUnderLoad(s, stack, load);
            firstWrites.push(result.firstWriteMs);
            lostPerCycle.push(result.lost);
            s.metric(`cycle ${cycle}: failover -> first acknowledged write`, result.firstWriteMs, 'ms');
            s.metric(`cycle ${cycle}: acknowledged writes missing on the new primary`, result.lost);
            if (cycle === 2) assert.ok(result.lost >= 20, `the writes acknowledged while the replicas were paused are lost (${result.lost})`);
          }
          timeline += 1;
          const to = result.to;
          const sibling = SERVICES.find((n) => n !== 'primary' && n !== to) as string;
          await waitStreaming(node(stack, to), [{ node: node(stack, sibling), name: sibling }]);
          assert.equal(await psql(node(stack, sibling), 'SELECT received_tli FROM pg_stat_wal_receiver;'), String(timeline));
          assert.equal(await project.containerId('primary'), undefined, 'the fence removed the old primary\'s container');
          assert.match(bundle.read('env/primary.env'), new RegExp(`^REPLICATION_ROLE=replica$[\\s\\S]*^PRIMARY_HOST=${to}$`, 'm'));

          if (cycle === 1) {
            const others = (only: string) => onlyWritable(stack, SERVICES, only, 20_000);
            // 1. `docker start` of the old container: it no longer exists.
            const start = await docker(['start', oldContainer], { check: false });
            assert.notEqual(start.code, 0, 'the old container is gone');
            assert.match(start.stderr, /No such container/i);
            await others(to);
            // 2. `compose up -d`: creates it from the rewritten bundle: a replica start of a former primary, refused.
            await project.compose(['up', '-d'], { check: false });
            await others(to);
            assert.match(await project.logs('primary'), /holds a cluster without standby\.signal[^\n]*pg-ha-init rejoin/);
            // 3. `docker start` of that container after a stop: the same env file, the same refusal.
            await project.compose(['stop', 'primary']);
            await docker(['start', await project.id('primary')]);
            await others(to);
            // 4. The old env file put back: it declares primary; its peers include a writable one on a newer timeline.
            const fenced = readFileSync(join(bundle.dir, 'env/primary.env'), 'utf8');
            writeFileSync(join(bundle.dir, 'env/primary.env'), oldEnv);
            await project.compose(['restart', 'primary'], { check: false });
            await others(to);
            assert.match(await project.logs('primary'), /REPLICATION_ROLE=primary, but peer \S+ is already a writable primary of this cluster[^\n]*pg-ha-init rejoin/);
            writeFileSync(join(bundle.dir, 'env/primary.env'), fenced);
            // 5. A container created from a copy of the old bundle (its compose file, its env directory).
            await run(project.command.split(' ')[0] as string, [...project.command.split(' ').slice(1), '-p', project.name, 'up', '-d', '--no-deps', 'primary'],
              { cwd: oldBundle, env: s.rig.env, check: false, timeoutMs: 180_000 });
            await others(to);
            await project.compose(['rm', '-f', '-s', 'primary']);
            // 6. The old env file put back while the new primary is down: no writable peer answers,
            //    but the other replica does, on the newer timeline.
            await project.compose(['stop', to]);
            writeFileSync(join(bundle.dir, 'env/primary.env'), oldEnv);
            await project.compose(['up', '-d', '--no-deps', 'primary'], { check: false });
            await onlyWritable(stack, SERVICES, to, 20_000);
            assert.match(await project.logs('primary'), /peer \S+ is a replica on timeline \d+, newer than this node's data[^\n]*split brain[^\n]*pg-ha-init rejoin/);
            await project.compose(['rm', '-f', '-s', 'primary']);
            writeFileSync(join(bundle.dir, 'env/primary.env'), fenced);
            await project.compose(['start', to]);
            await waitStreaming(node(stack, to), [{ node: node(stack, sibling), name: sibling }]);
            s.metric('comeback attempts refused', 'docker start (container removed), compose up -d (replica start refused), docker start again, old env file (peer check), old bundle\'s container (peer check), old env file with the new primary down (a replica on the newer timeline answers)');
          }

          const t0 = Date.now();
          const rejoined = await cli(s, stack, ['rejoin', 'primary', '--yes']);
          rejoinMs.push(Date.now() - t0);
          assert.equal(rejoined.code, 0, `rejoin:\n${rejoined.stdout}\n${rejoined.stderr}`);
          const how = /rejoined \S+ in [\d.]+ s \((no rewind needed|with pg_rewind)\)/.exec(rejoined.stdout)?.[1];
          assert.ok(how, rejoined.stdout);
          wayBack.push(`cycle ${cycle}: ${how}`);
          s.metric(`cycle ${cycle}: rejoin`, `${how}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          if (cycle === 3) assert.equal(how, 'no rewind needed', rejoined.stdout);
          if (cycle === 2) {
            assert.equal(how, 'with pg_rewind', rejoined.stdout);
            const saved = /kept in (\S+) in primary's volume/.exec(rejoined.stdout)?.[1];
            assert.ok(saved, rejoined.stdout);
            const listing = await project.exec('primary', ['bash', '-c', `ls -1 "$1" && cat "$1/README"`, '_', saved]);
            assert.match(listing.stdout, /^[0-9A-F]{24}$/m, 'WAL segments saved');
            assert.match(listing.stdout, /WAL of primary from [0-9A-F]+\/[0-9A-F]+ to [0-9A-F]+\/[0-9A-F]+ on timeline \d+/);
            assert.ok(saved.startsWith(`${pgdata}.diverged-`), saved);
          }
          await streamingOn(stack, to, timeline);

          const back = await cli(s, stack, ['switchover', '--to', 'primary', '--yes']);
          assert.equal(back.code, 0, `switchover back:\n${back.stdout}\n${back.stderr}`);
          timeline += 1;
          await streamingOn(stack, 'primary', timeline);
        }] as const),
        ['the data is identical on every node; rejoin of another cluster\'s data is refused', async () => {
          await caughtUp(stack, 'primary');
          const sums = new Map<string, string>();
          for (const service of SERVICES) {
            sums.set(service, await psql(node(stack, service), `SELECT string_agg(t || '=' || c, ' ' ORDER BY t) FROM (
              SELECT c.relname AS t, (xpath('//s/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)) AS s FROM %I.%I x', ',', '', n.nspname, c.relname), false, false, '')))[1]::text AS c
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public') q;`));
          }
          assert.ok((sums.get('primary') ?? '').includes(TABLE), sums.get('primary'));
          assert.equal(sums.get('replica1'), sums.get('primary'));
          assert.equal(sums.get('replica2'), sums.get('primary'));

          await project.compose(['stop', 'replica2']);
          const layout = dataLayout(bundle, 'replica2');
          await project.compose(['run', '--rm', '--no-deps', '-T', '--user', 'postgres', '--entrypoint', 'bash', 'replica2', '-c',
            `mv "${layout.pgdata}" "${layout.pgdata}.mine" && initdb -D "${layout.pgdata}" >/dev/null`]);
          const before = await snapshot(stack, SERVICES);
          const other = await cli(s, stack, ['rejoin', 'replica2', '--yes']);
          assert.equal(other.code, 2, other.stdout + other.stderr);
          assert.match(other.stdout, /replica2's system identifier \d+ is not primary's \d+: its data belongs to another cluster/);
          assert.equal(await snapshot(stack, SERVICES), before, 'nothing changed');
          await project.compose(['run', '--rm', '--no-deps', '-T', '--user', 'postgres', '--entrypoint', 'bash', 'replica2', '-c',
            `mv "${layout.pgdata}" "${layout.pgdata}.other" && mv "${layout.pgdata}.mine" "${layout.pgdata}"`]);
          await project.compose(['start', 'replica2']);
          await streamingOn(stack, 'primary', timeline);

          s.metric('failover -> first acknowledged write (kill -9 under load), ms', firstWrites.join(', '));
          s.metric(`acknowledged writes missing after kill -9 (cycle 1: plain async${lostPerCycle.length > 1 ? '; cycle 2: replicas cut off' : ''})`, lostPerCycle.join(', '));
          s.metric('rejoin', `${wayBack.join('; ')} (${rejoinMs.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ')})`);
        }],
      ]);
    });
  });
}
