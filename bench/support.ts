// Shared by the benches: the median they report, and stopping a server started in its own group.
import type { ChildProcess } from 'node:child_process';

export { median } from '../test/support/median.js';

/** SIGINT (fast shutdown), then SIGKILL to the whole process group after `graceMs`. */
export async function stopGroup(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => { timer = setTimeout(resolve, graceMs); })]);
  clearTimeout(timer);
  try { process.kill(-(child.pid ?? 0), 'SIGKILL'); } catch { /* gone */ }
}
