// `pg-ha-init failover` in a per-host replica's bundle (issue 11): promote THIS node, on its own
// host, when its primary's host is gone. Nothing here can reach the old primary's host to fence it
// (no ssh of our own), so the operator must say it is down or fenced: --yes AND
// --old-primary-down (on a terminal: type the old primary's host instead). The command still
// checks what it can: the old primary must not answer at PRIMARY_HOST:PRIMARY_PORT (a short
// connect from this node's service); if it answers as a writable primary, that is not a failover.
// Then: rewrite this bundle (REPLICATION_ROLE=primary, the service, volume and published port
// kept, the old primary added to PEER_HOSTS so this node's start-time peer check asks it),
// pg_promote (a new timeline), CHECKPOINT, and print what to run on the other hosts.
import { formatLsn, type CheckFailure, type FollowNode } from '../cluster/index.js';
import { runSteps, type Step } from '../commands/steps.js';
import { rewriteBundle } from '../output/rewrite.js';
import type { BundleCluster } from './bundle-cluster.js';
import type { FailoverOptions, FailoverResult } from './failover.js';
import { nodePosition, parsePeers, perHostNode, withPeer } from './per-host.js';
import type { HostPort, RemoteAnswer } from './remote.js';
import { byHand, confirmed, printFailures, printFinish, promote } from './shared-steps.js';

export interface PerHostFailoverFacts {
  /** --to, which does not apply: the node promoted is this bundle's own. */
  to?: string;
  role: 'primary' | 'replica';
  service: string;
  running: boolean;
  /** The node's own answer: in recovery (a standby), or not (already writable); null when it does not answer. */
  nodeInRecovery: boolean | null;
  oldPrimary: HostPort | null;
  /** What a short connect to the old primary found. */
  oldPrimaryAnswer: RemoteAnswer | null;
  /** This node's system identifier, timeline and received WAL, when it answers. */
  own: FollowNode | null;
  /** The other nodes of PEER_HOSTS and what they answered: a sibling replica may have received more. */
  siblings: { peer: HostPort; answer: RemoteAnswer }[];
  allowDataLoss: boolean;
}

/** Every reason not to promote this node now; empty when it may (the confirmation is checked apart). */
export function perHostFailoverRefusals(f: PerHostFailoverFacts): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (f.to !== undefined) {
    failures.push({ check: 'candidate-known', message: `--to ${f.to} does not apply to a per-host bundle: failover promotes this bundle's own node (${f.service})`, fix: 'leave out --to, and run failover in the bundle of the replica to promote, on its host' });
  }
  if (f.role === 'primary') {
    failures.push({ check: 'candidate-is-primary', message: `this bundle's node ${f.service} is declared primary`, fix: 'run failover in a replica\'s bundle, on the replica\'s host' });
    return failures;
  }
  if (!f.running || f.nodeInRecovery === null) {
    failures.push({ check: 'candidate-down', message: `${f.service} is not running or does not answer`, fix: `start it first (docker compose start ${f.service}), then run failover again` });
  } else if (!f.nodeInRecovery) {
    failures.push({ check: 'candidate-is-primary', message: `${f.service} already accepts writes`, fix: 'nothing to promote; tell the other hosts to follow it (pg-ha-init follow) and check `pg-ha-init status`' });
  }
  const a = f.oldPrimaryAnswer;
  const where = f.oldPrimary === null ? 'the primary' : `${f.oldPrimary.host}:${f.oldPrimary.port}`;
  if (a?.ok === true && !a.facts.inRecovery) {
    failures.push({ check: 'primary-alive', message: `the primary answers at ${where} as a writable primary (timeline ${a.facts.timeline})`, fix: 'stop it on its host first (docker compose stop in its bundle), or use it: a failover is for a primary that is gone' });
  } else if (a?.ok === true) {
    failures.push({ check: 'primary-alive', message: `${where} answers, as a replica (timeline ${a.facts.timeline}): the primary has moved`, fix: 'make this node follow the current primary instead: pg-ha-init follow --primary-host HOST --primary-port PORT' });
  } else if (a !== null && !a.unreachable) {
    failures.push({ check: 'primary-alive', message: `something answers at ${where} (${a.detail})`, fix: 'make sure the old primary\'s host is down or its PostgreSQL stopped, then run failover again' });
  }
  for (const { peer, answer } of f.siblings) {
    if (!answer.ok || f.own === null || answer.facts.systemIdentifier !== f.own.systemIdentifier) continue;
    const at = `${peer.host}:${peer.port}`;
    if (!answer.facts.inRecovery) {
      failures.push({ check: 'primary-alive', message: `${at} (in PEER_HOSTS) already answers as a writable primary (timeline ${answer.facts.timeline})`, fix: `make this node follow it instead: pg-ha-init follow --primary-host ${peer.host} --primary-port ${peer.port}` });
    } else if (answer.facts.timeline === f.own.timeline && answer.facts.flushLsn > f.own.position && !f.allowDataLoss) {
      // pg_auto_failover's rule, as the stack's failover: promote the replica that received the most.
      failures.push({
        check: 'candidate-behind', message: `${at} received WAL up to ${formatLsn(answer.facts.flushLsn)}, ${answer.facts.flushLsn - f.own.position} bytes more than ${f.service} (${formatLsn(f.own.position)}): promoting ${f.service} loses those commits, and ${at} could then only come back by a rewind`,
        fix: `run failover on ${peer.host}'s host instead, or add --allow-data-loss`,
      });
    }
  }
  return failures;
}

export async function failoverPerHost(cluster: BundleCluster, options: FailoverOptions & { dir: string }): Promise<FailoverResult> {
  const { say } = options;
  const node = perHostNode(cluster);
  const { service } = node;
  const own = cluster.services[0];
  const running = (await cluster.ops.running()).has(service);
  const oldPrimary = node.declaredPrimary;
  const oldPrimaryKey = oldPrimary === null ? '' : `${oldPrimary.host}:${oldPrimary.port}`;
  // Every probe at once: each is a one-off container, and writes are down while this runs.
  const [position, probe, oldPrimaryAnswer, siblings] = await Promise.all([
    running ? nodePosition(node, true).catch(() => null) : null,
    running ? cluster.runner.sql(service, 'select pg_is_in_recovery()') : null,
    oldPrimary === null ? null : node.ask(oldPrimary, { connectTimeoutS: 3 }),
    Promise.all(parsePeers(cluster.config.peerHosts).filter((p) => `${p.host}:${p.port}` !== oldPrimaryKey)
      .map(async (peer) => ({ peer, answer: await node.ask(peer, { connectTimeoutS: 3 }) }))),
  ]);
  const nodeInRecovery = probe?.ok ? probe.stdout.trim() === 't' : null;
  const failures = perHostFailoverRefusals({
    ...(options.to !== undefined ? { to: options.to } : {}), role: own?.role ?? 'primary', service, running, nodeInRecovery, oldPrimary, oldPrimaryAnswer,
    own: position, siblings, allowDataLoss: options.allowDataLoss,
  });
  if (failures.length > 0 || oldPrimary === null) {
    printFailures(say, failures);
    return { exitCode: 2 };
  }
  const where = `${oldPrimary.host}:${oldPrimary.port}`;
  say(`Failover on this host: ${where} does not answer (${oldPrimaryAnswer?.ok === false ? oldPrimaryAnswer.detail : '?'}); ${service} received WAL up to ${position ? formatLsn(position.position) : '?'} on timeline ${position?.timeline ?? '?'}.`);
  if (!(await oldPrimaryConfirmed(options, oldPrimary))) return { exitCode: 2 };
  if (!(await confirmed(options, `failover promotes ${service} on this host`, `Promote ${service} to primary?`))) return { exitCode: 1 };

  const result: FailoverResult = { exitCode: 0, promoted: service, oldPrimary: where };
  const started = performance.now();
  const peers = withPeer(cluster.config.peerHosts, oldPrimary);
  // A superuser password only when this bundle has one or the operator gives the old primary's:
  // the promoted data already has the old primary's password, and a new one would not match it.
  const superuserFile = options.env?.POSTGRES_PASSWORD_FILE ?? process.env.POSTGRES_PASSWORD_FILE;
  let timeline = 0;
  const steps: Step[] = [
    {
      title: `rewrite the bundle: ${service} is the primary`, state: 'nothing changed',
      recover: `pg-ha-init failover --yes --old-primary-down --dir ${options.dir}`,
      run: async (ctx) => {
        const written = rewriteBundle(cluster.dir, {
          REPLICATION_ROLE: 'primary', PRIMARY_HOST: undefined, PEER_HOSTS: peers,
          ...(superuserFile !== undefined ? { POSTGRES_PASSWORD_FILE: superuserFile } : {}),
        }).written;
        ctx.note(`wrote ${written.join(', ')}; PEER_HOSTS=${peers}`);
      },
    },
    {
      title: `promote ${service}`, state: `the bundle names ${service} primary; ${service} may not be promoted yet (its next start promotes it)`,
      recover: `${byHand(cluster, ['restart', service])}   # the entrypoint promotes a former replica declared primary\nthen: pg-ha-init status --dir ${options.dir}`,
      run: async () => {
        timeline = await promote(cluster, service, () => { result.promotedAfterMs = performance.now() - started; });
        return `timeline ${timeline}, writable after ${((result.promotedAfterMs ?? 0) / 1000).toFixed(1)} s`;
      },
    },
  ];
  say(`Promoting ${service} (the old primary ${where} is down or fenced, as you confirmed):`);
  await runSteps(steps, { say });
  result.totalMs = performance.now() - started;
  await printFinish({ dir: options.dir, projectName: options.projectName, env: options.env, say },
    `Failed over to ${service} in ${(result.totalMs / 1000).toFixed(1)} s (writable after ${((result.promotedAfterMs ?? 0) / 1000).toFixed(1)} s), timeline ${timeline}.`);
  const port = own?.publishPort ?? 5432;
  say('');
  say(`What may be lost: WAL ${where} wrote beyond ${position ? formatLsn(position.position) : 'what this node received'} is unknown until \`pg-ha-init rejoin\` reads it on that host.`);
  say('Now, on the other hosts (NEW_PRIMARY_HOST: this host\'s address as they reach it):');
  say(`  each other replica, in its bundle:  pg-ha-init follow --primary-host NEW_PRIMARY_HOST --primary-port ${port} --yes`);
  say(`  the old primary (${oldPrimary.host}), in its bundle, once its host is back:  pg-ha-init rejoin --primary-host NEW_PRIMARY_HOST --primary-port ${port} --yes`);
  say(`Until then the old primary must not start as a primary: give its bundle PEER_HOSTS with this node (NEW_PRIMARY_HOST:${port}) so that its start-time check refuses, or keep it stopped.`);
  return result;
}

/** --old-primary-down, or on a terminal the old primary's host typed back; false (exit 2) otherwise. */
async function oldPrimaryConfirmed(options: FailoverOptions, oldPrimary: HostPort): Promise<boolean> {
  if (options.oldPrimaryDown) return true;
  if (options.typeHost) {
    const typed = (await options.typeHost(`The old primary ${oldPrimary.host} must be down or fenced (two writable primaries is split brain). Type its host to confirm:`)).trim();
    if (typed === oldPrimary.host) return true;
    options.say(`"${typed}" is not ${oldPrimary.host}. Nothing was changed.`);
    return false;
  }
  printFailures(options.say, [{
    check: 'primary-alive', message: `this command cannot see whether ${oldPrimary.host} is down or fenced, only that ${oldPrimary.host}:${oldPrimary.port} does not answer from here`,
    fix: `make sure it is down or fenced (stopped, its host off or cut off), then add --old-primary-down (with --yes)`,
  }]);
  return false;
}
