// What the per-host day-2 commands (failover in a replica's bundle, follow, rejoin --primary-host)
// share: the bundle's one node, its way to other hosts (remote.ts), where its WAL ends, the wait
// until it streams from a given host, and the small rules for PEER_HOSTS and a replica's name.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropInactiveSlotsSql, formatLsn, parseLsn, readNodeState, type FollowNode } from '../cluster/index.js';
import { readSecretFile } from '../config/model.js';
import { splitPeerEntry } from '../config/rules.js';
import { UsageError } from '../errors.js';
import { SECRET_DIR } from '../render/view.js';
import type { BundleCluster } from './bundle-cluster.js';
import { askRemote, type HostPort, type RemoteAccess, type RemoteAnswer } from './remote.js';
import { composeOk, controlAndEnd } from './shared-steps.js';

export interface PerHostNode {
  cluster: BundleCluster;
  /** The bundle's one service. */
  service: string;
  access: RemoteAccess;
  /** Where its bundle says its primary is (a replica's PRIMARY_HOST:PRIMARY_PORT), or null for a primary. */
  declaredPrimary: HostPort | null;
  ask(target: HostPort, options?: { slot?: string; connectTimeoutS?: number }): Promise<RemoteAnswer>;
}

/** The per-host bundle's node; a usage error in a stack bundle, naming what to run there instead (`inStack`). */
export function perHostNode(cluster: BundleCluster, inStack = 'this command works on per-host bundles'): PerHostNode {
  const own = cluster.services[0];
  if (cluster.manifest.mode !== 'node' || own === undefined) throw new UsageError(`${cluster.dir} is a single-host stack bundle: ${inStack}`);
  const access: RemoteAccess = {
    ops: cluster.ops, service: own.name, replicationUser: cluster.config.replicationUser,
    replicationPassword: readSecretFile(join(cluster.dir, SECRET_DIR, 'replication_password')),
  };
  return {
    cluster, service: own.name, access,
    declaredPrimary: own.role === 'replica' && own.primaryHost !== undefined && own.primaryPort !== undefined ? { host: own.primaryHost, port: own.primaryPort } : null,
    ask: (target, options) => askRemote(access, target, options),
  };
}

/** Where the node's WAL ends: received or replayed when it runs, pg_controldata and pg_waldump when it is stopped. */
export async function nodePosition(node: PerHostNode, running: boolean): Promise<FollowNode & { how: string }> {
  const { cluster, service } = node;
  if (running) {
    const probe = await readNodeState(cluster.runner, service);
    if (!probe.ok) throw new Error(`${service} does not answer: ${probe.failure.detail}`);
    const s = probe.state;
    const lsns = [s.receiveLsn, s.replayLsn, s.currentLsn].filter((l): l is string => l !== null).map(parseLsn);
    const position = lsns.reduce((a, b) => (b > a ? b : a), 0n);
    return { systemIdentifier: s.systemIdentifier, timeline: s.timeline, position, how: `running, ${s.inRecovery ? 'received' : 'written'} up to ${formatLsn(position)}` };
  }
  const read = controlAndEnd(await composeOk(`pg_controldata on ${service}`, cluster.ops.controldataAndWalEnd(service)));
  const c = read.control;
  const position = [c.latestCheckpoint, c.minRecoveryEnd, read.walEnd ?? 0n].reduce((a, b) => (b > a ? b : a), 0n);
  const timeline = Math.max(c.checkpointTimeline, c.minRecoveryEndTimeline);
  return { systemIdentifier: c.systemIdentifier, timeline, position, how: `stopped ("${c.state}"), WAL up to ${formatLsn(position)}` };
}

/**
 * Wait until the node is a standby streaming from `target` on `timeline` or later; then drop the
 * inactive slots it still holds (a former primary's slots for its old replicas pin WAL on it).
 */
export async function waitStreamingFrom(node: PerHostNode, target: HostPort, timeline: number, options: { timeoutMs?: number; dropStaleSlots?: boolean } = {}): Promise<string> {
  const deadline = performance.now() + (options.timeoutMs ?? 120_000);
  let last = 'no answer yet';
  for (;;) {
    const probe = await readNodeState(node.cluster.runner, node.service);
    if (probe.ok) {
      const r = probe.state.receiver;
      last = `${probe.state.inRecovery ? 'in recovery' : 'WRITABLE'}, receiver ${r ? `${r.status} from ${r.senderHost ?? '?'}:${r.senderPort ?? '?'} on timeline ${r.receivedTimeline ?? '?'}` : 'none'}`;
      if (probe.state.inRecovery && r?.status === 'streaming' && r.senderHost === target.host && r.senderPort === target.port && (r.receivedTimeline ?? 0) >= timeline) break;
    } else {
      last = probe.failure.detail;
    }
    if (performance.now() > deadline) throw new Error(`${node.service} does not stream from ${target.host}:${target.port} on timeline ${timeline}: ${last}`);
    await sleep(500);
  }
  if (options.dropStaleSlots) await node.cluster.runner.sql(node.service, dropInactiveSlotsSql());
  return last;
}

/** PEER_HOSTS (already validated by the model) as host and port: a bare host means 5432; [IPv6] or [IPv6]:port. */
export function parsePeers(peerHosts: string | undefined): HostPort[] {
  return (peerHosts ?? '').split(',').filter((e) => e !== '').map((entry) => {
    const { host, port } = splitPeerEntry(entry);
    return { host, port: Number(port) };
  });
}

/** PEER_HOSTS with host:port added when it is not listed yet. */
export function withPeer(peerHosts: string | undefined, peer: HostPort): string {
  const entries = (peerHosts ?? '').split(',').filter((e) => e !== '');
  if (parsePeers(peerHosts).some((p) => p.host === peer.host && p.port === peer.port)) return entries.join(',');
  const written = peer.host.includes(':') ? `[${peer.host}]:${peer.port}` : `${peer.host}:${peer.port}`;
  return [...entries, written].join(',');
}

/** A slot name from a service name: lower case, `-` and `.` as `_`, at most 63 characters. */
export function replicaNameFor(service: string): string {
  return service.toLowerCase().replace(/[^a-z0-9_]/gu, '_').slice(0, 63) || 'replica';
}
