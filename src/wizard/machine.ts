// The memory and cores of the machine the wizard runs on, proposed as the sizing questions'
// defaults. Only the wizard reads the machine, and only to propose: rendering never does, since a
// bundle is often generated on one machine for another. Inside a container the cgroup limits
// count, not the host's os.totalmem() or core count: PostgreSQL gets only what the limit allows.
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface Machine {
  memoryKb: number;
  cpus: number;
}

export interface MachineSources {
  /** A file's text, or undefined when it cannot be read. */
  read: (path: string) => string | undefined;
  totalMemoryBytes: number;
  cores: number;
}

const CGROUP = '/sys/fs/cgroup';

/** The smaller of the machine and its cgroup (v2, else v1) limit; no limit, or an unreadable one, is the machine. */
export function machineFrom(sources: MachineSources): Machine {
  const memoryLimit = bytes(sources.read(`${CGROUP}/memory.max`)) ?? bytes(sources.read(`${CGROUP}/memory/memory.limit_in_bytes`));
  const memoryBytes = Math.min(sources.totalMemoryBytes, memoryLimit ?? Number.POSITIVE_INFINITY);
  const cpuLimit = cpuMax(sources.read(`${CGROUP}/cpu.max`)) ?? cfsQuota(sources.read(`${CGROUP}/cpu/cpu.cfs_quota_us`), sources.read(`${CGROUP}/cpu/cpu.cfs_period_us`));
  // Whole cores, at least one: a limit of 1.5 cores gives PostgreSQL one full parallel worker.
  const cpus = Math.max(1, Math.floor(Math.min(sources.cores, cpuLimit ?? Number.POSITIVE_INFINITY)));
  return { memoryKb: Math.floor(memoryBytes / 1024), cpus };
}

/** A byte count, or undefined for "max", the v1 "unlimited" (a page-rounded 2^63) and anything unreadable. */
function bytes(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (value === undefined || !/^[0-9]+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 2 ** 62 ? undefined : n;
}

/** cgroup v2 cpu.max: "QUOTA PERIOD" or "max PERIOD". */
function cpuMax(text: string | undefined): number | undefined {
  const [quota, period] = text?.trim().split(/\s+/) ?? [];
  if (quota === undefined || period === undefined || !/^[0-9]+$/.test(quota) || !/^[0-9]+$/.test(period) || Number(period) === 0) return undefined;
  return Number(quota) / Number(period);
}

/** cgroup v1: cfs_quota_us is -1 without a limit. */
function cfsQuota(quota: string | undefined, period: string | undefined): number | undefined {
  return cpuMax(quota === undefined || period === undefined ? undefined : `${quota.trim()} ${period.trim()}`);
}

export function thisMachine(): Machine {
  return machineFrom({
    read: (path) => { try { return readFileSync(path, 'utf8'); } catch { return undefined; } },
    totalMemoryBytes: totalmem(),
    cores: availableParallelism(),
  });
}
