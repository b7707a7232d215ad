// `pg-ha-init rejoin --primary-host H` in a per-host bundle (issue 11): bring this host's node (a
// former primary, or a replica left behind) back as a replica of the primary at H:P, with the same
// guarantees as the stack's rejoin, through the same code (bringBackAsReplica): the node stopped,
// the same system identifier, divergence decided from H's timeline history (TIMELINE_HISTORY over
// the replication connection) and the node's pg_controldata, the diverged WAL copied aside,
// CHECKPOINT on H and pg_rewind --source-server=H (the superuser's password only in the one-off
// container's environment), --reclone moving PGDATA aside. Only the way to the primary differs
// (remotePrimary below), and the bundle is rewritten first (REPLICATION_ROLE=replica of H): from
// that moment any start of the node is a replica start, which the entrypoint refuses for a former
// primary until rejoin has made it a standby. So it can never come back writable on the way.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_SQL, type CheckFailure } from '../cluster/index.js';
import { readSecretFile } from '../config/model.js';
import { replicaNameProblem } from '../config/rules.js';
import { rewriteBundle } from '../output/rewrite.js';
import { SECRET_DIR } from '../render/view.js';
import type { BundleCluster } from './bundle-cluster.js';
import { perHostNode, replicaNameFor, waitStreamingFrom, type PerHostNode } from './per-host.js';
import { runRejoin, type RejoinOptions, type RejoinResult } from './rejoin.js';
import { askRemote, rewindSourceConninfo, remoteSuperuserSql, type HostPort } from './remote.js';
import { byHand, composeOk, confirmed, controlAndEnd, printFailures, type PrimaryAccess } from './shared-steps.js';

/** The superuser's password for pg_rewind and CHECKPOINT on H: the bundle's secret, else POSTGRES_PASSWORD_FILE. */
export function superuserPasswordFor(dir: string, env: NodeJS.ProcessEnv): { password: string; from: string } | { problem: string } {
  const own = join(dir, SECRET_DIR, 'postgres_password');
  const file = existsSync(own) ? own : env.POSTGRES_PASSWORD_FILE;
  if (file === undefined || file === '') {
    return { problem: `this bundle holds no ${SECRET_DIR}/postgres_password, and POSTGRES_PASSWORD_FILE is not set: rejoin needs the superuser's password (pg_rewind and CHECKPOINT on the primary)` };
  }
  try {
    const password = readSecretFile(file);
    if (password === '') return { problem: `${file} is empty` };
    return { password, from: file };
  } catch (error) {
    return { problem: `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

/** A primary on another host, reached from a one-off container of this bundle's service. */
export function remotePrimary(node: PerHostNode, target: HostPort, superuser: string, password: string): PrimaryAccess {
  return {
    async facts() {
      const answer = await askRemote(node.access, target);
      if (!answer.ok) throw new Error(`${target.host}:${target.port} does not answer: ${answer.detail}`);
      const f = answer.facts;
      return { systemIdentifier: f.systemIdentifier, timeline: f.timeline, history: f.history, currentLsn: f.flushLsn };
    },
    checkpoint: () => remoteSuperuserSql(node.access, target, superuser, password, CHECKPOINT_SQL),
    rewindSource: rewindSourceConninfo(target, superuser),
    superuserPassword: () => password,
  };
}

export async function rejoinPerHost(cluster: BundleCluster, options: RejoinOptions & { dir: string; primary: HostPort; replicaName?: string }): Promise<RejoinResult> {
  const { say, primary } = options;
  const where = `${primary.host}:${primary.port}`;
  const node = perHostNode(cluster);
  const { service } = node;
  // A replica left behind keeps its name; a former primary takes its service's.
  const own = cluster.services[0];
  const replicaName = options.replicaName ?? (own?.role === 'replica' && own.replicaName !== undefined ? own.replicaName : replicaNameFor(service));
  const failures: CheckFailure[] = [];
  if (options.node !== undefined && options.node !== service) {
    failures.push({ check: 'candidate-known', message: `${options.node} is not this bundle's node (it has one: ${service})`, fix: `leave NODE out, or name ${service}` });
  }
  const nameProblem = replicaNameProblem(replicaName);
  if (nameProblem !== undefined) failures.push({ check: 'candidate-known', message: `--replica-name ${replicaName} ${nameProblem}`, fix: 'give --replica-name NAME, unique among the primary\'s replicas' });
  const superuser = superuserPasswordFor(cluster.dir, { ...process.env, ...options.env });
  if ('problem' in superuser) failures.push({ check: 'rewind-possible', message: superuser.problem, fix: 'set POSTGRES_PASSWORD_FILE to a file holding the primary\'s superuser password, then run rejoin again' });
  if (failures.length > 0) {
    printFailures(say, failures);
    return { exitCode: 2 };
  }
  const answer = await node.ask(primary, nameProblem === undefined ? { slot: replicaName } : {});
  const probe = await cluster.runner.sql(service, 'select pg_is_in_recovery()');
  if (!answer.ok) {
    failures.push({ check: 'one-primary', message: `${where} does not answer as the replication role (${answer.detail})`, fix: 'give --primary-host/--primary-port of the current primary, as this host reaches it' });
  } else if (answer.facts.inRecovery) {
    failures.push({ check: 'one-primary', message: `${where} is not a writable primary (it is in recovery)`, fix: 'give the host `pg-ha-init failover` promoted' });
  } else if (answer.facts.slotActive === true) {
    failures.push({ check: 'candidate-known', message: `a replica already streams through slot ${replicaName} on ${where}`, fix: 'give this node a name no other replica uses: --replica-name NAME' });
  }
  if (probe.ok) {
    failures.push({ check: 'candidate-streaming', message: `${service} is running (${probe.stdout.trim() === 't' ? 'in recovery' : 'WRITABLE'})`, fix: `stop it first (${byHand(cluster, ['stop', service])}), then run rejoin again` });
  }
  if (failures.length > 0 || !answer.ok || 'problem' in superuser) {
    printFailures(say, failures);
    return { exitCode: 2 };
  }
  // A refused start leaves a container restarting (restart: unless-stopped): stop it so its files hold still.
  await composeOk(`stop ${service}`, cluster.ops.stop(service));
  const read = controlAndEnd(await composeOk(`pg_controldata on ${service}`, cluster.ops.controldataAndWalEnd(service)));
  if (read.control.systemIdentifier !== answer.facts.systemIdentifier) {
    printFailures(say, [{
      check: 'system-identifier', message: `${service}'s system identifier ${read.control.systemIdentifier} is not ${where}'s ${answer.facts.systemIdentifier}: its data belongs to another cluster`,
      fix: `if ${service}'s data is not needed, move it aside and render a replica bundle for this host: it clones ${where}`,
    }]);
    return { exitCode: 2 };
  }
  const timeline = answer.facts.timeline;
  say(`${service}: state "${read.control.state}", latest checkpoint on timeline ${read.control.checkpointTimeline}; ${where} is the primary on timeline ${timeline}. It rejoins as replica ${replicaName}.`);
  if (!(await confirmed(options, `rejoin makes ${service} a replica of ${where} (rewinding it if it diverged)`, `Rejoin ${service} as a replica of ${where}?`))) return { exitCode: 1 };

  const again = `pg-ha-init rejoin --primary-host ${primary.host} --primary-port ${primary.port} --replica-name ${replicaName} --dir ${options.dir}`;
  return runRejoin(cluster, options, {
    node: service, primary: where, access: remotePrimary(node, primary, cluster.config.postgresUser, superuser.password),
    control: read.control, walEnd: read.walEnd, again,
    // The bundle first: from here any start of the node is a replica start, refused until it is a standby.
    before: [{
      title: `rewrite the bundle: ${service} is replica ${replicaName} of ${where}`, state: `${service} is stopped; nothing else changed`, recover: `${again} --yes`,
      run: async (ctx) => {
        const written = rewriteBundle(cluster.dir, { REPLICATION_ROLE: 'replica', PRIMARY_HOST: primary.host, PRIMARY_PORT: String(primary.port), REPLICA_NAME: replicaName }).written;
        ctx.note(`wrote ${written.join(', ')}: any start of ${service} is now a replica start (refused until it is a standby)`);
      },
    }],
    waitStreams: async (timeoutMs) => { await waitStreamingFrom(node, primary, timeline, { timeoutMs, dropStaleSlots: true }); },
    streaming: `timeline ${timeline}; its inactive slots dropped`,
  });
}
