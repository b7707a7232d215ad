// Regression for issue 11's "Known gap" (bench/rejoin-vs-reclone.ts, ~1.2 GB): after `failover`
// and `rejoin`, the rewound old primary asked for timeline-1 WAL from the redo point R of the last
// common checkpoint, which no node still had ("requested WAL segment … has already been removed"),
// and it never streamed.
//
// Why: that checkpoint was a spread one, so R lies segments before its record. pg_rewind keeps
// the target's own WAL only from the checkpoint record on (it reads back from the fork to the
// record; older target-only segments are removed), copies the source's WAL, and the rewound node
// replays from R. The new primary's promotion checkpoint had removed its timeline-1 segments older
// than its new redo point less wal_keep_size, so R's segments were nowhere.
//
// The same condition without a gigabyte: max_wal_size = 128MB, so checkpoints are WAL-triggered
// and spread over ~3-4 segments; wal_keep_size = 32MB, less than that spread; no timed
// checkpoint. Rows are written until the primary's last checkpoint record is ≥ 40 MB after its redo
// point and the writes stop just after it; the replica replays everything, is cut off, the primary
// writes more (so it must be rewound) and is killed; failover; rejoin. Asserted: the rejoin rewinds
// and the node streams on timeline 2 with no "has already been removed" in its log, and the slot
// `failover` made for it on the new primary reserved WAL from R or earlier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataLayout } from './support/bundle.js';
import { cli, streamingOn } from './support/day2.js';
import { describe, type Variant } from './support/matrix.js';
import { docker } from './support/rig.js';
import { psql, scenario, type Node, type Scenario, type Stack } from './support/scenario.js';

const VARIANTS: Variant[] = ([{ major: 18, engine: 'v2' }, { major: 15, engine: 'v1' }] as Variant[]).filter((v) => {
  const majors = process.env.PG_HA_E2E_MAJORS?.split(/[\s,]+/);
  const engines = process.env.PG_HA_E2E_ENGINES?.split(/[\s,]+/);
  return (!majors || majors.includes(String(v.major))) && (!engines || engines.includes(v.engine));
});

const SERVICES = ['primary', 'replica1'] as const;

interface Condition { stack: Stack; at: (service: string) => Node; redo: string; rows: number }

/**
 * A stack of primary + replica1 whose last checkpoint before the fork spans ≥ 40 MB of WAL (redo
 * point to record), replica1 cut off after replaying all of it, the primary's extra writes, kill -9.
 */
async function killedAfterSpreadCheckpoint(s: Scenario): Promise<Condition> {
  const stack = await s.stack('rejoinwal', { REPLICA_COUNT: '1' });
  const { project, bundle } = stack;
  const at = (service: string): Node => ({ project, service, user: bundle.config.postgresUser });
  // The small WAL budget that makes the condition cheap. Later lines win in postgresql.conf.
  appendFileSync(join(bundle.dir, 'config/postgresql.conf'),
    '\n# rejoin-wal.test.ts\nwal_keep_size = 32MB\nmax_wal_size = 128MB\nmin_wal_size = 32MB\ncheckpoint_timeout = 1h\n');
  await project.up();
  await streamingOn(stack, SERVICES, 'primary', 1);
  assert.equal(await psql(at('primary'), 'SHOW max_wal_size;'), '128MB');

  await psql(at('primary'), 'CREATE TABLE w (id bigint PRIMARY KEY, pad text NOT NULL);');
  // ~4 MB of rows at a time until the last checkpoint spread over ≥ 40 MB of WAL and was just written.
  const MB = 1024 * 1024;
  let rows = 0;
  let spread = { redo: '', record: '', span: 0, since: 0 };
  for (let batch = 0; ; batch++) {
    assert.ok(batch < 120, `no spread checkpoint (record ≥ 40 MB after its redo) after ${rows} rows: ${JSON.stringify(spread)}`);
    await psql(at('primary'), `INSERT INTO w SELECT g, repeat(md5(g::text), 31) FROM generate_series(${rows + 1}, ${rows + 4096}) g;`);
    rows += 4096;
    const [redo = '', record = '', span = '0', since = '0'] = (await psql(at('primary'),
      "SELECT redo_lsn, checkpoint_lsn, checkpoint_lsn - redo_lsn, pg_current_wal_lsn() - checkpoint_lsn FROM pg_control_checkpoint();")).split('|');
    spread = { redo, record, span: Number(span), since: Number(since) };
    if (spread.span >= 40 * MB && spread.since < 16 * MB) break;
  }
  const redo = spread.redo;
  const sent = await psql(at('primary'), 'SELECT pg_current_wal_lsn();');
  for (let i = 0; await psql(at('replica1'), `SELECT pg_last_wal_replay_lsn() >= '${sent}'::pg_lsn;`) !== 't'; i++) {
    assert.ok(i < 600, `replica1 did not replay up to ${sent}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  s.metric('last common checkpoint: redo / record / WAL sent to replica1', `${redo} / ${spread.record} / ${sent} (${rows} rows)`);

  // Writes replica1 never receives (so the old primary diverged and must be rewound), then kill -9.
  const pgdata = dataLayout(bundle, 'primary').pgdata;
  await project.exec('primary', ['sed', '-i', '1i host replication all all reject', `${pgdata}/pg-ha-init.hba.conf`], { user: 'postgres' });
  await psql(at('primary'), 'SELECT pg_reload_conf(); SELECT count(pg_terminate_backend(pid)) FROM pg_stat_replication;');
  await psql(at('primary'), 'CREATE TABLE lost AS SELECT g FROM generate_series(1, 10000) g;');
  // Still the last checkpoint (the next one, begun at once, is paced by WAL and has none to pace it).
  assert.equal(await psql(at('primary'), 'SELECT checkpoint_lsn FROM pg_control_checkpoint();'), spread.record, 'no checkpoint completed since');
  await docker(['kill', '-s', 'KILL', await project.id('primary')]);

  return { stack, at, redo, rows };
}

for (const variant of VARIANTS) {
  test(`rejoin after failover when the last common checkpoint is older than wal_keep_size [${describe(variant)}]: rewound, streams, no WAL removed`, { timeout: 900_000 }, async (t) => {
    await scenario(t, 'rejoin-wal', variant, async (s) => {
      const { stack, at, redo, rows } = await killedAfterSpreadCheckpoint(s);
      const { project } = stack;
      const f = await cli(s, stack, ['failover', '--yes']);
      assert.equal(f.code, 0, `failover:\n${f.stdout}\n${f.stderr}`);
      // The fenced node's slot on the new primary holds WAL from no later than R.
      const slot = await psql(at('replica1'), "SELECT restart_lsn <= '" + redo + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'primary';");
      assert.equal(slot, 't', `replica1 has a slot for primary reserving WAL from ${redo} or earlier:\n${f.stdout}`);
      // The other side of the trade-off is visible: status lists the slot of the fenced node.
      const status = await cli(s, stack, ['status']);
      assert.match(status.stdout, /replica1\W+primary\W+no\W/, status.stdout);

      const r = await cli(s, stack, ['rejoin', 'primary', '--yes']);
      const logs = await project.logs('primary');
      assert.equal(r.code, 0, `rejoin:\n${r.stdout}\n${r.stderr}\n--- primary's log:\n${logs.split('\n').slice(-40).join('\n')}`);
      assert.match(r.stdout, /rejoined replica1 in [\d.]+ s \(with pg_rewind\)/);
      assert.doesNotMatch(logs, /has already been removed/);
      await streamingOn(stack, SERVICES, 'replica1', 2);
      assert.equal(await psql(at('primary'), 'SELECT count(*) FROM w;'), String(rows));
      assert.equal(await psql(at('replica1'), "SELECT active FROM pg_replication_slots WHERE slot_name = 'primary';"), 't', 'it streams from the slot made for it at the failover');
    });
  });
}

// When the WAL is gone anyway (here: the slot dropped and the new primary checkpointed, as if the
// failover had been made without it, or the slot was invalidated past max_slot_wal_keep_size),
// rejoin must not wait and must not delete: it fails at once naming --reclone with the node stopped,
// and `rejoin --reclone` moves PGDATA aside and clones.
for (const variant of VARIANTS.slice(0, 1)) {
  test(`rejoin when the WAL to replay is gone even so [${describe(variant)}]: fails naming --reclone, nothing deleted; --reclone clones`, { timeout: 900_000 }, async (t) => {
    await scenario(t, 'rejoin-wal-gone', variant, async (s) => {
      const { stack, at, rows } = await killedAfterSpreadCheckpoint(s);
      const { project, bundle } = stack;
      const f = await cli(s, stack, ['failover', '--yes']);
      assert.equal(f.code, 0, `failover:\n${f.stdout}\n${f.stderr}`);
      await psql(at('replica1'), "SELECT pg_drop_replication_slot('primary');");
      await psql(at('replica1'), 'CHECKPOINT;');

      const r = await cli(s, stack, ['rejoin', 'primary', '--yes']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /the WAL it must replay is on neither node \(requested WAL segment 0{7}1\w+ has already been removed\); primary was stopped, its data left as it is \(nothing deleted\)/);
      assert.match(r.stdout + r.stderr, /pg-ha-init rejoin primary --dir \S+ --reclone/);
      assert.equal((await project.states(['primary']))[0]?.status, 'exited', 'primary was stopped');

      const again = await cli(s, stack, ['rejoin', 'primary', '--yes', '--reclone']);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /PGDATA moved aside to (\S+)/);
      assert.match(again.stdout, /rejoined replica1 in [\d.]+ s \(re-cloned\)/);
      await streamingOn(stack, SERVICES, 'replica1', 2);
      assert.equal(await psql(at('primary'), 'SELECT count(*) FROM w;'), String(rows));
      const aside = /PGDATA moved aside to (\S+?)[;:\s]/.exec(again.stdout)?.[1] ?? '';
      const listing = await project.exec('primary', ['bash', '-c', 'test -s "$1/PG_VERSION" && echo kept', '_', aside]);
      assert.equal(listing.stdout.trim(), 'kept', `the old PGDATA is kept at ${aside}`);
      assert.ok(aside.startsWith(`${dataLayout(bundle, 'primary').pgdata}.failed-`), aside);
    });
  });
}
