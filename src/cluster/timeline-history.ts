// Timeline history files (`pg_wal/0000000N.history`): one line per ancestor timeline,
// "parentTLI<TAB>switchpoint<TAB>reason", where the switchpoint is the first LSN that belongs to
// the next timeline. Timeline 1 has no file. The newest file lists the whole lineage.
import { parseLsn } from './lsn.js';
import type { NodeRunner } from './transport.js';

export interface TimelineHistoryEntry {
  /** A timeline that ended... */
  timeline: number;
  /** ...here: its WAL up to (not including) this LSN is shared with the next timeline. */
  switchpoint: bigint;
  reason: string;
}

export function historyFileName(timeline: number): string {
  if (!Number.isInteger(timeline) || timeline < 1 || timeline > 0xFFFFFFFF) throw new Error(`not a timeline: ${timeline}`);
  return `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
}

export function parseTimelineHistory(text: string): TimelineHistoryEntry[] {
  const entries: TimelineHistoryEntry[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    const m = /^(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)(?:\s+(.*))?$/u.exec(line);
    if (!m) throw new Error(`timeline history line ${i + 1} is not "timeline switchpoint reason": ${JSON.stringify(raw)}`);
    const timeline = Number(m[1]);
    const previous = entries.at(-1);
    if (previous && timeline <= previous.timeline) {
      throw new Error(`timeline history line ${i + 1}: timeline ${timeline} after ${previous.timeline}; the file is corrupt`);
    }
    entries.push({ timeline, switchpoint: parseLsn(m[2] ?? ''), reason: m[3] ?? '' });
  }
  return entries;
}

/** The switchpoint at which `timeline` ended in this lineage, or null when it is not an ancestor. */
export function switchpointOf(history: readonly TimelineHistoryEntry[], timeline: number): bigint | null {
  return history.find((e) => e.timeline === timeline)?.switchpoint ?? null;
}

/** SQL that prints a running node's history file for `timeline` (superuser: pg_read_file). */
export function timelineHistorySql(timeline: number): string {
  return `select pg_read_file('pg_wal/${historyFileName(timeline)}')`;
}

/** The history of `timeline` as the running node holds it; timeline 1 has none. */
export async function readTimelineHistory(runner: NodeRunner, node: string, timeline: number): Promise<TimelineHistoryEntry[]> {
  if (timeline === 1) return [];
  const result = await runner.sql(node, timelineHistorySql(timeline));
  if (!result.ok) throw new Error(`could not read pg_wal/${historyFileName(timeline)} on ${node}: ${result.stderr.trim()}`);
  return parseTimelineHistory(result.stdout);
}

/** The WAL segment file that holds the byte at `lsn` on `timeline` (pg_walfile_name's naming). */
export function walFileName(timeline: number, lsn: bigint, segmentBytes = 16 * 1024 * 1024): string {
  const seg = BigInt(segmentBytes);
  const segno = lsn / seg;
  const perId = 0x100000000n / seg;
  const hex = (n: bigint | number): string => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segno / perId)}${hex(segno % perId)}`;
}

/** Every segment file from `from` to `to` inclusive on one timeline: what to copy aside before a rewind. */
export function walFilesBetween(timeline: number, from: bigint, to: bigint, segmentBytes = 16 * 1024 * 1024): string[] {
  const seg = BigInt(segmentBytes);
  const files: string[] = [];
  for (let s = from / seg; s <= to / seg; s++) files.push(walFileName(timeline, s * seg, segmentBytes));
  return files;
}
