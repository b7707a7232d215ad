// Scenario 2: per-host bundles (`--from-env`, mode node). A primary bundle and a replica bundle,
// two compose projects on two networks, as two machines would be: the replica dials the rig
// gateway (the Docker host) on the primary's published port, and pg_hba admits replication only
// from the one address that traffic arrives from. Every major the rig builds, both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRowsTable, expectRowsEverywhere, psql, scenario, waitStreaming, writeRows } from './support/scenario.js';
import { replicationAttempt } from './support/access.js';
import { describe, variants } from './support/matrix.js';

for (const variant of variants('perHost')) {
  test(`per-host bundles [${describe(variant)}]: the replica reaches the primary only through its published port`, { timeout: 300_000 }, async (t) => {
    await scenario(t, 'scenario 2: per-host bundles', variant, async (s) => {
      const password = `per-host-${randomBytes(9).toString('base64url')}`;
      const primary = await s.perHostPrimary('per-host', { REPLICATION_PASSWORD: password });
      const replica = await s.perHostReplica('per-host', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica1' });
      s.metric('REPLICATION_CIDR (primary network gateway, /32)', primary.cidr);

      // What the bundles say: the replica's target is the Docker host and the published port.
      const env = replica.bundle.read('env/replica.env');
      assert.match(env, new RegExp(`^PRIMARY_HOST=${s.rig.gateway.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(env, new RegExp(`^PRIMARY_PORT=${primary.port}$`, 'm'));
      assert.match(primary.bundle.read('compose.yaml'), new RegExp(`- '${primary.port}:5432'`), 'published on every interface of the host');
      assert.doesNotMatch(replica.bundle.read('compose.yaml'), /depends_on/, 'no compose-level link to a primary on another machine');
      for (const p of [primary.project, replica.project]) assert.equal((await p.compose(['config', '-q'])).stderr, '');

      const primaryUp = Date.now();
      await primary.project.up();
      await primary.project.waitHealthy(['primary'], 120_000);
      s.metric('primary up -> healthy', Date.now() - primaryUp, 'ms');
      const replicaUp = Date.now();
      await replica.project.up();
      const [row] = await waitStreaming(primary.node, [{ node: replica.node, name: 'replica1' }]);
      s.metric('replica up -> streaming', Date.now() - replicaUp, 'ms');
      s.metric('up -> all replicas streaming (primary up to replica streaming)', Date.now() - primaryUp, 'ms');
      await replica.project.waitHealthy(['replica'], 60_000);

      // Through the published port: the primary sees its own network's gateway (docker-proxy), the
      // replica sees the rig gateway and the published port as its sender.
      assert.equal(row?.clientAddr, primary.networkGateway, 'the primary sees the replication connection come from docker-proxy');
      assert.equal(await psql(replica.node, "SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver;"), `${s.rig.gateway}:${primary.port}`);
      const networks = Object.keys((await replica.project.inspect('replica')).NetworkSettings.Networks as object);
      assert.deepEqual(networks, [`${replica.project.name}_default`], 'the replica is not on the primary network');

      // pg_hba: replication for the replication role, from that one address, with SCRAM.
      const rules = await psql(primary.node, "SELECT type, database[1], user_name[1], address, netmask, auth_method FROM pg_hba_file_rules WHERE 'replication' = ANY(database);");
      assert.equal(rules, `host|replication|replicator|${primary.networkGateway}|255.255.255.255|scram-sha-256`);
      // Narrow indeed: the right user and password straight to the container's address (not via the
      // published port) is refused.
      const ip = (await primary.project.inspect('primary')).NetworkSettings.Networks[`${primary.project.name}_default`].IPAddress as string;
      const direct = await replicationAttempt(primary.project, 'primary', { host: ip, port: 5432, user: 'replicator', password });
      assert.match(direct.stderr, new RegExp(`no pg_hba.conf entry for replication connection from host "${ip.replace(/\./g, '\\.')}", user "replicator"`));

      await createRowsTable(primary.node);
      const count = await writeRows(primary.node, 'per-host', 5);
      await expectRowsEverywhere(primary.node, [replica.node], count);
    });
  });
}
