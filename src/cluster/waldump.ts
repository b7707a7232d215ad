// Where a stopped node's WAL really ends, from pg_waldump: Patroni's way to find the end of the
// shutdown checkpoint record, which the rejoin decision compares with the switchpoint.
// pg_waldump reads from the given start until the WAL stops making sense and reports where:
//   15:  "error in WAL record at 0/1500708: invalid record length at 0/1500780: wanted 24, got 0"
//   16+: "... invalid record length at 0/1500780: expected at least 24, got 0"
// The last "at X/Y" of that error is the first byte past the last valid record.
// After a crash under writes the last record often runs into a page never written (zeros, or a
// recycled segment's old page), and the error names only that page:
//   "error in WAL record at 0/EE7B9F0: invalid magic number 0000 in WAL segment …0E, LSN 0/EE7C000, offset …"
//   ("unexpected pageaddr … LSN …" likewise). The valid WAL then ends before that page's LSN, which
// is taken as the end: a bound that errs by less than a page towards keeping more, never less.
import { parseLsn } from './lsn.js';
import type { ControlData } from './controldata.js';
import type { NodeRunner } from './transport.js';

/** The end of WAL named by pg_waldump's closing error, or null when it ended otherwise. */
export function walEndFromWaldump(output: string): bigint | null {
  const error = output.split('\n').filter((l) => /error in WAL record at/u.test(l)).at(-1);
  if (!error) return null;
  const positions = [...error.matchAll(/ at ([0-9A-F]{1,8}\/[0-9A-F]{1,8})/gu)].map((m) => m[1] ?? '');
  const last = positions.at(-1);
  if (positions.length >= 2 && last !== undefined) return parseLsn(last);
  const page = / LSN ([0-9A-F]{1,8}\/[0-9A-F]{1,8})/u.exec(error)?.[1];
  return page !== undefined ? parseLsn(page) : null;
}

/**
 * The end of the node's last checkpoint record, for a node stopped cleanly (its shutdown
 * checkpoint is then its last record). null when the runner cannot run pg_waldump or its answer
 * does not say; decideRejoin works without it.
 */
export async function readCheckpointEnd(runner: NodeRunner, node: string, control: ControlData): Promise<bigint | null> {
  if (!runner.waldump) return null;
  const result = await runner.waldump(node, control.checkpointTimeline, control.latestCheckpoint);
  return walEndFromWaldump(`${result.stderr}\n${result.stdout}`);
}
