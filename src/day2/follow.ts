// `pg-ha-init follow --primary-host H [--primary-port P]` (issue 11, per-host bundles): after a
// failover on another host, repoint this host's replica at the new primary. It checks first (from
// a one-off container of this node's service, as the replication role) that H:P is a writable
// primary of the same cluster on this node's timeline or a later one, and that this node has no
// WAL that H never had (checkFollow); otherwise it needs a rewind, which is `rejoin`. Then it
// rewrites the bundle (PRIMARY_HOST/PRIMARY_PORT), restarts the node (the entrypoint repoints it
// and ensures its slot on H at every start) and waits until it streams from H.
import { resolve } from 'node:path';
import { checkFollow } from '../cluster/index.js';
import { runSteps, type Step } from '../commands/steps.js';
import { UsageError } from '../errors.js';
import { rewriteBundle } from '../output/rewrite.js';
import { openBundleCluster, type Day2Options } from './bundle-cluster.js';
import { nodePosition, perHostNode, waitStreamingFrom } from './per-host.js';
import type { HostPort } from './remote.js';
import { byHand, composeOk, confirmed, printFailures, printFinish } from './shared-steps.js';

export interface FollowOptions extends Day2Options {
  primary: HostPort;
}

export interface FollowResult {
  exitCode: number;
  timeline?: number;
  totalMs?: number;
}

export async function follow(given: FollowOptions): Promise<FollowResult> {
  const options = { ...given, dir: resolve(given.dir) };
  const { say, primary } = options;
  const where = `${primary.host}:${primary.port}`;
  const cluster = await openBundleCluster({
    ...options,
    precheck: ({ dir, manifest, config }) => {
      if (manifest.mode !== 'node') throw new UsageError(`${dir} is a single-host stack bundle: switchover and failover already repoint a stack's replicas; follow is for per-host replica bundles`);
      if (config.role !== 'replica') {
        const service = manifest.services[0]?.name ?? 'primary';
        throw new UsageError(`${dir} is this host's primary (${service}); follow repoints a replica. To make ${service} a replica of ${where}, stop it and run: pg-ha-init rejoin --primary-host ${primary.host} --primary-port ${primary.port} --dir ${dir}`);
      }
    },
  });
  const node = perHostNode(cluster, 'switchover and failover already repoint a stack\'s replicas; follow is for per-host replica bundles');
  const { service } = node;
  const running = (await cluster.ops.running()).has(service);
  const mine = await nodePosition(node, running);
  const answer = await node.ask(primary);
  if (!answer.ok) {
    printFailures(say, [{ check: 'primary-alive', message: `${where} does not answer as the replication role ${cluster.config.replicationUser} (${answer.detail})`, fix: 'give the host and the published port of the node `pg-ha-init failover` promoted, as this host reaches it' }]);
    return { exitCode: 2 };
  }
  const check = checkFollow(mine, answer.facts, where);
  if (!check.ok) {
    const rejoin = `pg-ha-init rejoin --primary-host ${primary.host} --primary-port ${primary.port} --dir ${options.dir}${options.projectName ? ` --project-name ${options.projectName}` : ''}`;
    printFailures(say, [{ check: 'candidate-timeline', message: check.message, fix: check.exitCode === 1 ? `${check.fix}: ${rejoin}` : check.fix }]);
    if (check.exitCode === 1) say(`${service} cannot follow ${where} as it is. Nothing was changed. Run: ${rejoin}`);
    return { exitCode: check.exitCode };
  }
  const timeline = answer.facts.timeline;
  say(`${service} (${mine.how}, timeline ${mine.timeline}) can follow ${where} (writable, timeline ${timeline}): ${check.reason}.`);
  if (!(await confirmed(options, `follow rewrites this bundle and restarts ${service} as a replica of ${where}`, `Repoint ${service} to ${where} and restart it?`))) return { exitCode: 1 };

  const started = performance.now();
  const steps: Step[] = [
    {
      title: `rewrite the bundle: ${service} follows ${where}`, state: 'nothing changed',
      recover: `pg-ha-init follow --primary-host ${primary.host} --primary-port ${primary.port} --dir ${options.dir} --yes`,
      run: async (ctx) => {
        const written = rewriteBundle(cluster.dir, { PRIMARY_HOST: primary.host, PRIMARY_PORT: String(primary.port) }).written;
        ctx.note(`wrote ${written.join(', ') || 'nothing (already so)'}`);
      },
    },
    {
      title: `${running ? 'restart' : 'start'} ${service}`, state: `the bundle says ${service} follows ${where}; ${service} still runs as before`,
      recover: byHand(cluster, ['restart', service]),
      run: async () => { await composeOk(`${running ? 'restart' : 'start'} ${service}`, running ? cluster.ops.restart(service) : cluster.ops.upNoDeps(service)); },
    },
    {
      title: `verify: ${service} streams from ${where}`, state: `${service} was restarted as a replica of ${where}; it does not stream yet`,
      recover: `pg-ha-init status --dir ${options.dir}; ${byHand(cluster, ['logs', service])}`,
      run: async () => `${await waitStreamingFrom(node, primary, timeline, options.verifyTimeoutMs !== undefined ? { timeoutMs: options.verifyTimeoutMs } : {})}`,
    },
  ];
  say(`Repointing ${service} to ${where}:`);
  await runSteps(steps, { say });
  const totalMs = performance.now() - started;
  await printFinish({ dir: options.dir, projectName: options.projectName, env: options.env, say }, `${service} follows ${where} on timeline ${timeline} (${(totalMs / 1000).toFixed(1)} s).`);
  return { exitCode: 0, timeline, totalMs };
}
