// What the day-2 docker scenarios (switchover, failover, rejoin) share: the CLI run as a user runs
// it, and probes of who accepts writes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, type RunResult } from './process.js';
import { REPO } from './rig.js';
import { waitStreaming, type Node, type Scenario, type Stack } from './scenario.js';

/** `pg-ha-init ARGS --dir <bundle> --project-name <project>` in a child process, with the variant's engine. */
export function cli(s: Scenario, stack: Pick<Stack, 'bundle' | 'project'>, args: readonly string[]): Promise<RunResult> {
  return run(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli.ts'), ...args, '--dir', stack.bundle.dir, '--project-name', stack.project.name], {
    cwd: REPO, check: false, timeoutMs: 600_000,
    env: { ...s.rig.env, PG_HA_INIT_ENGINE: s.variant.engine === 'v2' ? 'compose-v2' : 'compose-v1', NO_COLOR: '1' },
  });
}

/**
 * The nodes that accept a write now: pg_is_in_recovery() is false AND a write (an xid assigned by
 * txid_current()) succeeds. A node that does not answer accepts nothing.
 */
export async function writableNodes(stack: Pick<Stack, 'project'>, services: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const service of services) {
    // No container at all (removed by a fence) accepts nothing either.
    const answer = await stack.project.psql(service, "SELECT pg_is_in_recovery()::text || ' ' || txid_current();", { allowFail: true, timeoutMs: 10_000 })
      .catch((e: Error) => `ERROR: ${e.message}`);
    if (/^false \d+$/.test(answer)) out.push(service);
  }
  return out;
}

/** Sample every node for `ms`: never two writable, and never one other than `only`. Returns the samples. */
export async function onlyWritable(stack: Pick<Stack, 'project'>, services: readonly string[], only: string, ms: number): Promise<string[][]> {
  const samples: string[][] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const writable = await writableNodes(stack, services);
    samples.push(writable);
    assert.ok(writable.length <= 1 && writable.every((w) => w === only), `writable: ${writable.join(', ')} (only ${only} may be)`);
    await sleep(500);
  }
  return samples;
}

/** Which nodes answer and how, and the hash of every topology file: "nothing changed" compares two of these. */
export async function snapshot(stack: Pick<Stack, 'project' | 'bundle'>, services: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const service of services) {
    const answer = await stack.project.psql(service, "SELECT pg_is_in_recovery() || ' ' || coalesce((SELECT received_tli FROM pg_stat_wal_receiver)::text, substr(pg_walfile_name(CASE WHEN pg_is_in_recovery() THEN '0/0' ELSE pg_current_wal_lsn() END), 1, 8));", { allowFail: true })
      .catch(() => 'ERROR: no container');
    lines.push(`${service}: ${answer.startsWith('ERROR') ? 'down' : answer}`);
  }
  for (const file of ['compose.yaml', 'pg-ha-init.json', ...services.map((n) => `env/${n}.env`)]) {
    lines.push(`${file}: ${createHash('sha256').update(stack.bundle.read(file)).digest('hex').slice(0, 12)}`);
  }
  return lines.join('\n');
}

/** Every node of `services` but `primary` streams from it on `timeline` (the WAL receiver's received_tli), and `primary` is writable. */
export async function streamingOn(stack: Pick<Stack, 'project' | 'bundle'>, services: readonly string[], primary: string, timeline: number): Promise<void> {
  const at = (service: string): Node => ({ project: stack.project, service, user: stack.bundle.config.postgresUser });
  const replicas = services.filter((n) => n !== primary);
  await waitStreaming(at(primary), replicas.map((n) => ({ node: at(n), name: n })));
  for (const r of replicas) {
    assert.equal(await stack.project.psql(r, 'SELECT received_tli FROM pg_stat_wal_receiver;', { user: stack.bundle.config.postgresUser }), String(timeline), `${r} on timeline ${timeline}`);
  }
  assert.equal(await stack.project.psql(primary, 'SELECT pg_is_in_recovery();', { user: stack.bundle.config.postgresUser }), 'f');
}
