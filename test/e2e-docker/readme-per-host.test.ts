// The per-host bundle README's "Promote a replica" and "Point the other replicas" procedures, run
// as written on a real engine: three compose projects (a primary and two replicas, each as on its
// own machine). The fenced `sh` blocks are taken from the rendered README.md and run with bash in
// the bundle directory they name. Filled in, visibly: the two NEW_PRIMARY_* values the README asks
// for, and COMPOSE_PROJECT_NAME in the environment (the tests' projects have generated names; a
// user's bundle directory names its project). After them: the promoted replica is writable on
// timeline 2, the old primary is stopped (never two writable), the other replica streams from the
// new primary on timeline 2 through its own slot, and every row written before is on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, type Variant } from './support/matrix.js';
import { run, waitFor } from './support/process.js';
import { createRowsTable, expectRowsEverywhere, psql, scenario, waitStreaming, writeRows } from './support/scenario.js';

const VARIANT: Variant = { major: 18, engine: 'v2' };

/** The fenced ```sh blocks of one `## section` of a README, in order. */
function shellBlocks(readme: string, section: string): string[] {
  const body = new RegExp(`^## ${section}\\n([\\s\\S]*?)(?=^## )`, 'm').exec(readme)?.[1];
  assert.ok(body, `the README has a "${section}" section`);
  return [...body.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)].map((m) => (m[1] as string).split('\n').map((line) => line.trim()).join('\n'));
}

test(`per-host README: promote a replica and point the other one, as written [${describe(VARIANT)}]`, { timeout: 600_000 }, async (t) => {
  await scenario(t, 'per-host README procedures', VARIANT, async (s) => {
    const password = `rph-${randomBytes(9).toString('base64url')}`;
    const primary = await s.perHostPrimary('rph', { REPLICATION_PASSWORD: password });
    const replica1 = await s.perHostReplica('rph', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica1' });
    const replica2 = await s.perHostReplica('rph', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica2' });
    const bash = (dir: string, project: string, script: string) => run('bash', ['-Eeuo', 'pipefail', '-c', script], {
      cwd: dir, env: { ...s.rig.env, COMPOSE_PROJECT_NAME: project }, timeoutMs: 180_000,
    });

    await primary.project.up();
    await primary.project.waitHealthy(['primary'], 120_000);
    await replica1.project.up();
    await replica2.project.up();
    await waitStreaming(primary.node, [{ node: replica1.node, name: 'replica1' }, { node: replica2.node, name: 'replica2' }]);
    await createRowsTable(primary.node);
    const before = await writeRows(primary.node, 'before', 5);
    await expectRowsEverywhere(primary.node, [replica1.node, replica2.node], before);

    const readme = replica1.bundle.read('README.md');
    const [stopOld, promote] = shellBlocks(readme, 'Promote a replica');
    const [point] = shellBlocks(readme, 'Point the other replicas');
    assert.ok(stopOld && promote && point, 'three procedure blocks');

    // 1. On the old primary's host.
    await bash(primary.bundle.dir, primary.project.name, stopOld);
    // 2. On the replica's host.
    await bash(replica1.bundle.dir, replica1.project.name, promote);
    await waitFor(async () => (await psql(replica1.node, 'SELECT pg_is_in_recovery();').catch(() => '')) === 'f' || undefined,
      { timeoutMs: 120_000, intervalMs: 500, what: 'replica1 to accept writes' });
    assert.equal(await psql(replica1.node, 'SELECT timeline_id FROM pg_control_checkpoint();'), '2', 'a real promotion: timeline 2');
    assert.equal((await primary.project.inspect('primary')).State.Running, false, 'the old primary stays stopped');

    // 3. On the other replica's host: the two values the README asks for, filled in visibly.
    const filled = point.replace('NEW_PRIMARY_HOST=db2.example.com NEW_PRIMARY_PORT=5432', `NEW_PRIMARY_HOST=${s.rig.gateway} NEW_PRIMARY_PORT=${replica1.bundle.config.replicaPort}`);
    assert.notEqual(filled, point, 'the placeholder line is in the README as the test expects');
    console.log(`# the "Point the other replicas" block as run:\n${filled}`);
    await bash(replica2.bundle.dir, replica2.project.name, filled);
    await waitStreaming(replica1.node, [{ node: replica2.node, name: 'replica2' }]);
    assert.equal(await psql(replica2.node, 'SELECT received_tli FROM pg_stat_wal_receiver;'), '2');

    const total = await writeRows(replica1.node, 'after', 5);
    assert.equal(total, before + 5);
    await expectRowsEverywhere(replica1.node, [replica2.node], total);
  });
});
