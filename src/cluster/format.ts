// How `status` shows the view: a boxed table in the manner of `patronictl list` (one row per
// member, the cluster's system identifier and timeline in the title), the primary's slots, then
// the warnings, one line each. And `--json` for tools, with stable keys.
import type { ClusterView, NodeRow } from './view.js';

const COLUMNS: readonly [string, (n: NodeRow) => string, 'left' | 'right'][] = [
  ['Member', (n) => n.name, 'left'],
  ['Role', (n) => n.role, 'left'],
  ['State', (n) => n.state, 'left'],
  ['TL', (n) => (n.timeline === null ? '' : String(n.timeline)), 'right'],
  ['LSN', (n) => n.lsn ?? '', 'left'],
  ['Lag(bytes)', (n) => (n.lagBytes === null ? '' : String(n.lagBytes)), 'right'],
  ['Lag(s)', (n) => (n.lagSeconds === null ? '' : n.lagSeconds.toFixed(1)), 'right'],
  ['Sync', (n) => n.syncState ?? '', 'left'],
  ['Slot', (n) => n.slot ?? '', 'left'],
];

function boxed(header: readonly string[], rows: readonly string[][], align: readonly ('left' | 'right')[], title: string): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (align[i] === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const top = title.length > 0 && title.length + 4 <= rule.length ? `+ ${title} ${rule.slice(title.length + 3)}` : rule;
  return [top, line(header), rule, ...rows.map(line), rule];
}

/** The table for people, then slots and warnings. Ends without a newline. */
export function formatClusterTable(view: ClusterView): string {
  const title = `Cluster: ${view.systemIdentifier ?? 'unknown system'}${view.timeline === null ? '' : `, timeline ${view.timeline}`}`;
  const rows = view.nodes.map((n) => COLUMNS.map(([, cell]) => cell(n)));
  const out = boxed(COLUMNS.map(([h]) => h), rows, COLUMNS.map(([, , a]) => a), title);
  if (view.slots.length > 0) {
    out.push('', 'Replication slots:');
    out.push(...boxed(
      ['Holder', 'Slot', 'Active', 'WAL status', 'Restart LSN', 'Retained(bytes)'],
      view.slots.map((s) => [s.node, s.name, s.active ? 'yes' : 'no', s.walStatus ?? '', s.restartLsn ?? '', s.retainedBytes === null ? '' : String(s.retainedBytes)]),
      ['left', 'left', 'left', 'left', 'left', 'right'],
      '',
    ));
  }
  out.push('');
  if (view.warnings.length === 0) out.push('No warnings.');
  else out.push(...view.warnings.map((w) => `WARNING: ${w.message}`));
  return out.join('\n');
}

export interface ClusterJson {
  primary: string | null;
  systemIdentifier: string | null;
  timeline: number | null;
  nodes: {
    name: string; role: string; state: string; timeline: number | null; lsn: string | null;
    lagBytes: number | null; lagSeconds: number | null; syncState: string | null; slot: string | null;
    sentLsn: string | null; receivedLsn: string | null; upstream: string | null; detail: string | null;
    /** Not a node of this bundle: a walsender of its primary, or a remote primary its replica streams from. */
    seenOnly: boolean;
  }[];
  slots: { node: string; name: string; active: boolean; walStatus: string | null; restartLsn: string | null; retainedBytes: number | null; safeWalSize: number | null }[];
  warnings: string[];
  exitCode: number;
}

/** What `status --json` prints (JSON.stringify it). The keys of issue 10 plus a few extra. */
export function clusterJson(view: ClusterView): ClusterJson {
  return {
    primary: view.primary,
    systemIdentifier: view.systemIdentifier,
    timeline: view.timeline,
    nodes: view.nodes.map((n) => ({
      name: n.name, role: n.role, state: n.state, timeline: n.timeline, lsn: n.lsn,
      lagBytes: n.lagBytes, lagSeconds: n.lagSeconds, syncState: n.syncState, slot: n.slot,
      sentLsn: n.sentLsn, receivedLsn: n.receivedLsn, upstream: n.upstream, detail: n.detail, seenOnly: n.seenOnly,
    })),
    slots: view.slots.map((s) => ({ ...s })),
    warnings: view.warnings.map((w) => w.message),
    exitCode: view.exitCode,
  };
}
