// Issue 12's promise on a real engine: with SYNC_REPLICAS=1, a commit is acknowledged only once a
// standby has it, so killing the primary (`docker kill -s KILL`) and failing over to the most
// advanced replica loses NO acknowledged write. Five cycles on one stack of primary + 2 replicas,
// under a write load through the multi-host connection string that logs every acknowledged id:
// kill the current primary, `pg-ha-init failover --yes`, count the acknowledged ids missing on the
// new primary (must be 0), `pg-ha-init rejoin` the killed node (so that k=1 can be met again by
// two standbys), and go on from the new primary. The asynchronous figure (k=0) is failover.test.ts'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { multiHostConninfo } from '../../src/cluster/index.js';
import { PG_BIN } from '../support/as-postgres.js';
import { missingAcks, startWriteLoad } from '../support/write-load.js';
import { cli, streamingOn } from './support/day2.js';
import { describe, type Variant } from './support/matrix.js';
import { docker } from './support/rig.js';
import { psql, scenario } from './support/scenario.js';

const VARIANT: Variant = { major: 18, engine: 'v2' };
const SERVICES = ['primary', 'replica1', 'replica2'] as const;
const CYCLES = 5;

test(`SYNC_REPLICAS=1: kill -9 of the primary, failover, 0 acknowledged writes lost, ${CYCLES} times [${describe(VARIANT)}]`, { timeout: 1_500_000 }, async (t) => {
  await scenario(t, 'synchronous failover', VARIANT, async (s) => {
    const stack = await s.stack('syncfail', { REPLICA_COUNT: '2', SYNC_REPLICAS: '1' });
    const { project, bundle } = stack;
    const user = bundle.config.postgresUser;
    await project.up();
    await streamingOn(stack, SERVICES, 'primary', 1);
    const rule = await psql({ project, service: 'primary', user }, 'SHOW synchronous_standby_names;');
    assert.match(rule, /^ANY 1 \(/);
    const load = startWriteLoad({
      conninfo: multiHostConninfo(SERVICES.map((_, i) => ({ host: '127.0.0.1', port: stack.port + i })), { user, dbname: 'postgres' }),
      password: bundle.secrets.postgres ?? '', psql: join(PG_BIN, 'psql'), table: 'sync_failover_load', maxRunMs: 1_200_000,
    });
    let primary = 'primary';
    let timeline = 1;
    const lost: number[] = [];
    const firstWrites: number[] = [];
    let finalAcks: number[] = [];
    try {
      await load.nextAck(60_000);
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        // Writes in flight at the kill: wait for a few more acks first.
        const before = load.ackCount;
        while (load.ackCount < before + 30) await load.nextAck(60_000);
        await docker(['kill', '-s', 'KILL', await project.id(primary)]);
        const started = Date.now();
        const firstWrite = load.nextAck(180_000).then(() => Date.now());
        const failover = await cli(s, stack, ['failover', '--yes']);
        assert.equal(failover.code, 0, `cycle ${cycle} failover:\n${failover.stdout}\n${failover.stderr}`);
        const to = new RegExp(`Failing over from ${primary} to ([a-z0-9_]+)`).exec(failover.stdout)?.[1];
        assert.ok(to && to !== primary, failover.stdout);
        firstWrites.push((await firstWrite) - started);
        timeline += 1;
        // Every write acknowledged so far must be on the new primary.
        const acked = load.acknowledgedSoFar;
        const present = (await psql({ project, service: to, user }, 'SELECT id FROM sync_failover_load;')).split('\n').filter(Boolean).map(Number);
        const missing = missingAcks(acked, present);
        lost.push(missing.length);
        assert.deepEqual(missing, [], `cycle ${cycle}: acknowledged ids missing on ${to}`);
        // The rule holds on the new primary: the same ANY 1 list, the same on every node.
        assert.equal(await psql({ project, service: to, user }, 'SHOW synchronous_standby_names;'), rule);
        const rejoin = await cli(s, stack, ['rejoin', primary, '--yes']);
        assert.equal(rejoin.code, 0, `cycle ${cycle} rejoin:\n${rejoin.stdout}\n${rejoin.stderr}`);
        await streamingOn(stack, SERVICES, to, timeline);
        assert.equal(await psql({ project, service: to, user }, "SELECT string_agg(sync_state, ',') FROM pg_stat_replication;"), 'quorum,quorum');
        s.metric(`cycle ${cycle}: ${primary} killed, ${to} promoted; first acknowledged write after`, firstWrites.at(-1)!, 'ms');
        primary = to;
      }
    } finally {
      // Only stop the load here: an assertion in `finally` would hide the one that failed.
      const result = await load.stop();
      s.metric('acknowledged writes in all', result.acknowledged.length);
      s.metric('acknowledged writes lost per kill -9 (SYNC_REPLICAS=1)', lost.join(', '));
      s.metric('failover -> first acknowledged write, ms', firstWrites.join(', '));
      finalAcks = result.acknowledged;
    }
    const present = (await psql({ project, service: primary, user }, 'SELECT id FROM sync_failover_load;')).split('\n').filter(Boolean).map(Number);
    assert.deepEqual(missingAcks(finalAcks, present), [], 'every acknowledged id is on the final primary');
  });
});
