// Scenario 3 (part 1): faults on a per-host pair (two compose projects, the replica dialing the
// primary's published port). In order, on the same pair: the replica is started before its
// primary; the primary restarts; the replica restarts (no re-clone); the replication password
// is rotated (restarts only); the replica restarts without the HA variables (stateless rule:
// standby.signal removed, loudly; read-write). Each step ends with every committed row present
// on every replica.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replicationAttempt } from './support/access.js';
import { dataLayout } from './support/bundle.js';
import { describe, variants } from './support/matrix.js';
import { waitFor } from './support/process.js';
import {
  createRowsTable, expectRowsEverywhere, psql, scenario, waitStreaming, writeRows,
  type PerHostPrimary, type PerHostReplica,
} from './support/scenario.js';


function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/**
 * Facts that change when PGDATA is re-cloned (the system identifier does not: a clone keeps the
 * primary's): the inodes of PGDATA, PG_VERSION and pg_control, and PG_VERSION's ctime (written
 * once per clone; PGDATA's and pg_control's ctimes move on every start).
 */
async function cloneIdentity(replica: PerHostReplica): Promise<string> {
  const pgdata = pgdataOf(replica);
  const r = await replica.project.exec('replica', ['sh', '-c',
    `stat -c %i ${pgdata} ${pgdata}/global/pg_control && stat -c '%i %Z' ${pgdata}/PG_VERSION`]);
  return r.stdout.trim().replace(/\n/g, ' / ');
}

/** PGDATA of the replica, where this major's layout puts it. */
function pgdataOf(replica: PerHostReplica): string {
  return dataLayout(replica.bundle, 'replica').pgdata;
}

for (const variant of variants('faults')) {
  test(`faults on a per-host pair [${describe(variant)}]: late primary, primary restart, replica restart, password rotation, replica without HA variables`, { timeout: 420_000 }, async (t) => {
    await scenario(t, 'scenario 3a: faults on a per-host pair', variant, async (s) => {
      const password = `faults-${randomBytes(9).toString('base64url')}`;
      let primary: PerHostPrimary | undefined;
      let replica: PerHostReplica | undefined;
      let committed = 0;
      const steps: [string, () => Promise<void>][] = [];
      const step = (name: string, body: () => Promise<void>): void => { steps.push([name, body]); };

      step('a replica started before its primary waits, then clones', async () => {
        primary = await s.perHostPrimary('faults', { REPLICATION_PASSWORD: password });
        replica = await s.perHostReplica('faults', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica1' });
        const p = primary;
        const r = replica;
        assert.equal((await p.project.states(['primary']))[0]?.status, 'created', 'the primary container exists but was never started');

        await r.project.up();
        const waited = await waitFor(async () => {
          const logs = await r.project.logs('replica');
          return count(logs, 'primary not ready for cloning yet') >= 2 ? logs : undefined;
        }, { timeoutMs: 60_000, intervalMs: 500, what: 'the replica to wait for its primary' });
        assert.match(waited, /cloning the primary at .* \(waiting up to 300s\)/);
        const [state] = await r.project.states(['replica']);
        assert.equal(state?.status, 'running', 'the replica waits, it does not exit');
        assert.equal(state?.restartCount, 0);
        assert.equal((await r.project.exec('replica', ['sh', '-c', `ls -A ${pgdataOf(r)} 2>/dev/null | wc -l`])).stdout.trim(), '0', 'nothing in PGDATA yet');

        const primaryUp = Date.now();
        await p.project.up();
        await waitStreaming(p.node, [{ node: r.node, name: 'replica1' }]);
        s.metric('late primary: primary up -> replica streaming', Date.now() - primaryUp, 'ms');
        const logs = await r.project.logs('replica');
        assert.equal(count(logs, 'clone complete'), 1);
        await createRowsTable(p.node);
        committed = await writeRows(p.node, 'after a late primary', 5);
        await expectRowsEverywhere(p.node, [r.node], committed);
      });

      step('the primary restarts; the replica reconnects', async () => {
        const p = primary as PerHostPrimary;
        const r = replica as PerHostReplica;
        const receiverBefore = await psql(r.node, 'SELECT pid FROM pg_stat_wal_receiver;');
        committed = await writeRows(p.node, 'before the primary restart', 5);
        await s.time(`${p.project.command} restart primary`, () => p.project.compose(['restart', '-t', '60', 'primary']));
        const restarted = Date.now();
        committed = await waitFor(() => writeRows(p.node, 'after the primary restart', 5), { timeoutMs: 60_000, what: 'the primary to accept writes' });
        await waitStreaming(p.node, [{ node: r.node, name: 'replica1' }], 120_000);
        s.metric('primary restart -> replica streaming again', Date.now() - restarted, 'ms');
        assert.notEqual(await psql(r.node, 'SELECT pid FROM pg_stat_wal_receiver;'), receiverBefore, 'a new WAL receiver connection');
        await expectRowsEverywhere(p.node, [r.node], committed);
        assert.equal((await r.project.states(['replica']))[0]?.restartCount, 0, 'the replica container did not restart');
      });

      step('the replica restarts: no re-clone, it resumes streaming', async () => {
        const p = primary as PerHostPrimary;
        const r = replica as PerHostReplica;
        const identity = await cloneIdentity(r);
        const systemId = await psql(r.node, 'SELECT system_identifier FROM pg_control_system();');
        await r.project.compose(['stop', '-t', '60', 'replica']);
        committed = await writeRows(p.node, 'while the replica is stopped', 50);
        const started = Date.now();
        await r.project.compose(['start', 'replica']);
        await waitStreaming(p.node, [{ node: r.node, name: 'replica1' }], 120_000);
        s.metric('replica restart -> streaming', Date.now() - started, 'ms');
        await expectRowsEverywhere(p.node, [r.node], committed);

        assert.equal(await cloneIdentity(r), identity, 'same PGDATA, pg_control and PG_VERSION inodes, same PG_VERSION ctime: not re-cloned');
        assert.equal(await psql(r.node, 'SELECT system_identifier FROM pg_control_system();'), systemId);
        assert.equal(await psql(p.node, 'SELECT system_identifier FROM pg_control_system();'), systemId);
        const logs = await r.project.logs('replica');
        assert.equal(count(logs, 'cloning the primary at'), 1, 'one clone in the container\'s whole log');
        assert.match(logs, /already holds a cluster with standby\.signal: assuming a valid replica/);
      });

      step('the replication password is rotated: restart the primary, then the replica; it streams again without a re-clone', async () => {
        const p = primary as PerHostPrimary;
        const r = replica as PerHostReplica;
        const identity = await cloneIdentity(r);
        const rotated = `rotated' $x \\ ${randomBytes(6).toString('hex')}`;
        for (const bundle of [p.bundle, r.bundle]) writeFileSync(join(bundle.dir, 'secrets/replication_password'), rotated);
        await p.project.compose(['restart', '-t', '60', 'primary']);
        const target = { host: s.rig.gateway, port: p.port, user: 'replicator' };
        // Once the restarted primary answers, the old password is refused.
        await waitFor(async () => {
          const old = await replicationAttempt(r.project, 'replica', { ...target, password });
          return /password authentication failed for user "replicator"/.test(old.stderr) ? true : undefined;
        }, { timeoutMs: 60_000, intervalMs: 500, what: 'the restarted primary to refuse the old password' });
        const started = Date.now();
        await r.project.compose(['restart', '-t', '60', 'replica']);
        await waitStreaming(p.node, [{ node: r.node, name: 'replica1' }], 120_000);
        s.metric('rotation: replica restart -> streaming with the new password', Date.now() - started, 'ms');
        assert.equal(await cloneIdentity(r), identity, 'not re-cloned');
        committed = await writeRows(p.node, 'after the rotation', 5);
        await expectRowsEverywhere(p.node, [r.node], committed);
      });

      step('the replica restarts without the HA variables: standby.signal removed, loudly; read-write', async () => {
        const p = primary as PerHostPrimary;
        const r = replica as PerHostReplica;
        committed = await writeRows(p.node, 'before the HA variables go', 5);
        await expectRowsEverywhere(p.node, [r.node], committed);

        const dropped = ['HA_MODE', 'REPLICATION_ROLE', 'PRIMARY_HOST', 'PRIMARY_PORT', 'REPLICA_NAME', 'PRIMARY_WAIT_TIMEOUT', 'REPLICATION_USER', 'REPLICATION_PASSWORD_FILE'];
        r.bundle.editEnvFile('replica', (lines) => lines.filter((l) => !dropped.some((v) => l.startsWith(`${v}=`))));
        assert.doesNotMatch(r.bundle.read('env/replica.env'), /HA_MODE|REPLICATION_ROLE/);
        await r.project.up(); // the env changed: Compose recreates the container on the same volume
        await r.project.waitHealthy(['replica'], 120_000);

        const logs = await r.project.logs('replica');
        assert.match(logs, /pg-ha-init: warning: \*{20,}/, 'a framed warning');
        assert.match(logs, /HA_MODE is empty, but PGDATA \(\S+\) holds standby\.signal: this node was a replica/);
        assert.match(logs, /starts as a STANDALONE, READ-WRITE server/);
        assert.equal((await r.project.exec('replica', ['sh', '-c', `test -e ${pgdataOf(r)}/standby.signal && echo present || echo gone`])).stdout.trim(), 'gone');
        assert.equal(await psql(r.node, 'SELECT pg_is_in_recovery();'), 'f');
        // Every row committed while it was a replica is there, and it now takes writes of its own.
        assert.equal(await psql(r.node, 'SELECT count(*) FROM e2e_rows;'), String(committed));
        assert.equal(await psql(r.node, "INSERT INTO e2e_rows (tag) VALUES ('detached, read-write') RETURNING tag;"), 'detached, read-write');
        // The consequence the warning names: the primary's slot stays, inactive, holding WAL.
        assert.equal(await psql(p.node, "SELECT active FROM pg_replication_slots WHERE slot_name = 'replica1';"), 'f');
        assert.match(p.bundle.read('README.md'), /restarts without `HA_MODE`.*read-write/);
      });

      await s.steps(steps);
    });
  });
}
