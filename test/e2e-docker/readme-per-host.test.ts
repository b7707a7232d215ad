// The per-host bundle README's day-2 procedures, run as written on a real engine: three compose
// projects (a primary and two replicas, each as on its own machine). The fenced `sh` blocks are
// taken from the rendered README.md and run with bash in the bundle directory they name:
// "Promote a replica" (stop the old primary on its host; `pg-ha-init failover --yes
// --old-primary-down` on the replica's), "Point the other replicas" (`pg-ha-init follow`) and
// "Bring the old primary back" (`pg-ha-init rejoin --primary-host`). Filled in, visibly: the two
// NEW_PRIMARY_* values the README asks for; in the environment, COMPOSE_PROJECT_NAME (the tests'
// projects have generated names; a user's bundle directory names its project) and `pg-ha-init` on
// PATH (this checkout's CLI). After them: the promoted replica is writable on timeline 2, the old
// primary stayed stopped until rejoin, the other replica and the old primary stream from the new
// primary through their own slots, and every row written before is on all three.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type Variant } from './support/matrix.js';
import { run } from './support/process.js';
import { REPO } from './support/rig.js';
import { createRowsTable, expectRowsEverywhere, psql, scenario, waitStreaming, writeRows } from './support/scenario.js';

const VARIANT: Variant = { major: 18, engine: 'v2' };

/** The fenced ```sh blocks of one `## section` of a README, in order. */
function shellBlocks(readme: string, section: string): string[] {
  const body = new RegExp(`^## ${section}\\n([\\s\\S]*?)(?=^## )`, 'm').exec(readme)?.[1];
  assert.ok(body, `the README has a "${section}" section`);
  return [...body.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)].map((m) => (m[1] as string).split('\n').map((line) => line.trim()).join('\n'));
}

test(`per-host README: promote a replica, point the other one and bring the old primary back, as written [${describe(VARIANT)}]`, { timeout: 600_000 }, async (t) => {
  await scenario(t, 'per-host README procedures', VARIANT, async (s) => {
    const password = `rph-${randomBytes(9).toString('base64url')}`;
    const primary = await s.perHostPrimary('rph', { REPLICATION_PASSWORD: password });
    const replica1 = await s.perHostReplica('rph', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica1' });
    const replica2 = await s.perHostReplica('rph', primary.port, { REPLICATION_PASSWORD: password, REPLICA_NAME: 'replica2' });
    const bash = (dir: string, project: string, script: string, env: NodeJS.ProcessEnv = {}) => run('bash', ['-Eeuo', 'pipefail', '-c', script], {
      cwd: dir, env: { ...s.rig.env, ...env, COMPOSE_PROJECT_NAME: project }, timeoutMs: 300_000,
    });

    await primary.project.up();
    await primary.project.waitHealthy(['primary'], 120_000);
    await replica1.project.up();
    await replica2.project.up();
    await waitStreaming(primary.node, [{ node: replica1.node, name: 'replica1' }, { node: replica2.node, name: 'replica2' }]);
    await createRowsTable(primary.node);
    const before = await writeRows(primary.node, 'before', 5);
    await expectRowsEverywhere(primary.node, [replica1.node, replica2.node], before);

    // `pg-ha-init` as the README's commands call it: this checkout's CLI, on PATH.
    const bin = s.tmp('bin');
    writeFileSync(join(bin, 'pg-ha-init'), `#!/usr/bin/env bash\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(join(REPO, 'node_modules/tsx/dist/loader.mjs'))} ${JSON.stringify(join(REPO, 'src/cli.ts'))} "$@"\n`);
    chmodSync(join(bin, 'pg-ha-init'), 0o755);
    const cliEnv = { PATH: `${bin}:${s.rig.env.PATH ?? process.env.PATH ?? ''}`, PG_HA_INIT_ENGINE: 'compose-v2', NO_COLOR: '1' };

    const readme = replica1.bundle.read('README.md');
    const [stopOld, failover] = shellBlocks(readme, 'Promote a replica');
    const [point] = shellBlocks(readme, 'Point the other replicas');
    const [rejoin] = shellBlocks(primary.bundle.read('README.md'), 'Bring the old primary back');
    assert.ok(stopOld && failover && point && rejoin, 'four procedure blocks');
    // The two values the README asks for, filled in visibly: the promoted replica as the others reach it.
    const fill = (block: string): string => {
      const filled = block.replace('NEW_PRIMARY_HOST=db2.example.com NEW_PRIMARY_PORT=5432', `NEW_PRIMARY_HOST=${s.rig.gateway} NEW_PRIMARY_PORT=${replica1.bundle.config.replicaPort}`);
      assert.notEqual(filled, block, 'the placeholder line is in the README as the test expects');
      return filled;
    };

    // 1. On the old primary's host.
    await bash(primary.bundle.dir, primary.project.name, stopOld);
    // 2. On the replica's host.
    const promoted = await bash(replica1.bundle.dir, replica1.project.name, failover, cliEnv);
    console.log(`# the "Promote a replica" failover block printed:\n${promoted.stdout}`);
    assert.equal(await psql(replica1.node, 'SELECT pg_is_in_recovery();'), 'f');
    assert.equal(await psql(replica1.node, 'SELECT timeline_id FROM pg_control_checkpoint();'), '2', 'a real promotion: timeline 2');
    assert.equal((await primary.project.inspect('primary')).State.Running, false, 'the old primary stays stopped');

    // 3. On the other replica's host.
    const follow = fill(point);
    console.log(`# the "Point the other replicas" block as run:\n${follow}`);
    await bash(replica2.bundle.dir, replica2.project.name, follow, cliEnv);
    await waitStreaming(replica1.node, [{ node: replica2.node, name: 'replica2' }]);
    assert.equal(await psql(replica2.node, 'SELECT received_tli FROM pg_stat_wal_receiver;'), '2');

    // 4. On the old primary's host: back as a replica of the new primary (it was stopped cleanly: no rewind).
    const back = fill(rejoin);
    console.log(`# the "Bring the old primary back" block as run:\n${back}`);
    const rejoined = await bash(primary.bundle.dir, primary.project.name, back, cliEnv);
    assert.match(rejoined.stdout, /rejoined \S+ in [\d.]+ s \(no rewind needed\)/, rejoined.stdout);
    await waitStreaming(replica1.node, [{ node: replica2.node, name: 'replica2' }, { node: primary.node, name: 'primary' }]);

    const total = await writeRows(replica1.node, 'after', 5);
    assert.equal(total, before + 5);
    await expectRowsEverywhere(replica1.node, [replica2.node, primary.node], total);
  });
});
