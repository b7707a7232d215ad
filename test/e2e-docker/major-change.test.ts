// Issue 9's bug, with the real images and their real data layouts: a stack started on one major,
// taken down with its volumes kept, re-rendered for another major (`--pg-major N --force`) and
// started again. The official images moved the volume one level up in 18 (/var/lib/postgresql,
// PGDATA 18/docker) from /var/lib/postgresql/data, so the old cluster sits beside the new PGDATA,
// unseen. The primary must refuse to start, naming both versions, and initialise nothing; put
// back on its own major, it serves the old rows. 15 -> 18, 17 -> 18 and 18 -> 15.
//
// The refusal is the entrypoint's major-version guard (templates/entrypoint/.../01-major-version.sh,
// from the branch that adds it). Without the guard this test fails: the primary initialises a new,
// empty cluster and comes up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataLayout } from './support/bundle.js';
import { describe, type Variant } from './support/matrix.js';
import { fatal, tail, waitFor } from './support/process.js';
import { docker, imageFor, requireImage } from './support/rig.js';
import { createRowsTable, fingerprint, scenario, writeRows } from './support/scenario.js';

const CHANGES: [number, number][] = [[15, 18], [17, 18], [18, 15]];
const VARIANT: Variant = { major: 18, engine: 'v2' };

for (const [from, to] of CHANGES) {
  test(`a volume of PostgreSQL ${from} under a bundle re-rendered for ${to}: refused, nothing initialised, the data intact [${describe(VARIANT)}]`, { timeout: 300_000 }, async (t) => {
    await requireImage(from);
    await requireImage(to);
    await scenario(t, `major change ${from} -> ${to}`, VARIANT, async (s) => {
      const { bundle, project, primary } = await s.stack(`major-${from}-${to}`, { PG_MAJOR: String(from), REPLICA_COUNT: '1' });
      const old = dataLayout(bundle, 'primary');
      const volume = `${project.name}_${old.volumeName}`;

      await project.up(['primary'], ['--wait']);
      await createRowsTable(primary);
      await writeRows(primary, `written on ${from}`, 7);
      const before = await fingerprint(primary);
      await project.compose(['down', '-t', '30']); // the volumes stay

      bundle.rerender({ PG_MAJOR: String(to) });
      const next = dataLayout(bundle, 'primary');
      assert.notEqual(next.mount, old.mount, 'the two majors mount the volume at different places');
      await project.up(['primary']);
      const logs = await waitFor(async () => {
        const text = await project.logs('primary');
        // The bug of issue 9: a new, empty cluster beside the old one, up and healthy.
        if (/ready to accept connections/.test(text)) throw fatal(`the PostgreSQL ${to} primary started on the ${from} volume:\n${tail(text, 30)}`);
        return /Refusing to start/.test(text) ? text : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500, what: `the PostgreSQL ${to} primary to refuse the ${from} volume` });
      assert.match(logs, new RegExp(`this server is PostgreSQL ${to}, but \\S+ holds a PostgreSQL ${from} cluster`));
      assert.match(logs, /nothing was initialised or changed/);
      assert.doesNotMatch(logs, /initialising a new cluster|database system is ready to accept connections/);
      const [state] = await project.states(['primary']);
      assert.notEqual(state?.health, 'healthy');
      await project.compose(['stop', '-t', '10', 'primary']);

      // On the volume (the same paths whatever its mount point): the old cluster where it was,
      // nothing where the new major's PGDATA would be.
      const look = await docker(['run', '--rm', '--network', 'none', '-v', `${volume}:/v`, imageFor(from), 'sh', '-c',
        'cat "/v/$1/PG_VERSION"; ls -A "/v/$2" 2>/dev/null | wc -l', 'sh', old.inVolume, next.inVolume], { timeoutMs: 60_000 });
      const [version, newEntries] = look.stdout.trim().split('\n');
      assert.equal(version, String(from), `the PostgreSQL ${from} cluster is still at ${old.pgdata}`);
      assert.equal(newEntries, '0', `nothing was initialised at ${next.pgdata}`);

      // Back on its own major, the primary serves the same rows.
      bundle.rerender({ PG_MAJOR: String(from) });
      await project.up(['primary'], ['--wait']);
      assert.equal(await fingerprint(primary), before, `the rows written on ${from} are all there`);
    });
  });
}
