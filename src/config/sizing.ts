// Server sizing (issue 12): PG_MEMORY, PG_CPUS, PG_STORAGE and PG_MAX_CONNECTIONS in, postgresql.conf
// values and a compose shm_size out. Pure: nothing here reads the machine, because a bundle is
// often generated on one machine for another.
//
// The reference users compare with is PGTune (le0pard/pgtune), "web application" profile, Linux.
// Its formulas are restated here from reading its configuration selectors, not copied; where this
// module departs from it, the comment at the formula says so and why. The departures:
//   - max_worker_processes never drops below PostgreSQL's default 8 (PGTune: = cores from 4 cores);
//   - the parallel-worker settings follow the core count below 4 cores too (PGTune leaves them at
//     PostgreSQL's defaults, 8 parallel workers even on one core);
//   - huge_pages is always try, PostgreSQL's own default (PGTune writes off below 2GB of shared_buffers);
//   - settings PostgreSQL stores in 8kB pages are floored to whole pages, so SHOW prints what the
//     file says (PGTune prints e.g. wal_buffers = 1966kB, which the server rounds to 1968kB).
// Every value is the same on the primary and on the replicas: a standby refuses to run hot standby
// when max_connections or max_worker_processes is lower than on its primary, and a promoted replica
// should be sized like the primary it replaces.

export type Storage = 'ssd' | 'hdd';

export interface SizingInput {
  /** Memory PostgreSQL may use (the container's limit, not the host's), in kB. */
  memoryKb: number;
  cpus: number;
  storage: Storage;
  maxConnections: number;
}

/** One postgresql.conf line: the value as PostgreSQL accepts it, and where its formula comes from. */
export interface SizedSetting {
  name: string;
  value: string;
  source: string;
}

export type SizingVariable = 'PG_MEMORY' | 'PG_CPUS' | 'PG_STORAGE' | 'PG_MAX_CONNECTIONS';
export type SizingValues = Partial<Record<SizingVariable, string>>;

/** Same shape as ConfigError: printed as "VARIABLE problem. Fix: fix." */
export interface SizingProblem {
  variable: SizingVariable;
  problem: string;
  fix: string;
}

// ----------------------------------------------------------------------------------- units

const KB_PER_MB = 1024;
const KB_PER_GB = 1024 * KB_PER_MB;
const KB_PER_TB = 1024 * KB_PER_GB;
/** BLCKSZ and XLOG_BLCKSZ of standard builds: shared_buffers, effective_cache_size and wal_buffers are counted in these. */
const PAGE_KB = 8;

/** PostgreSQL's memory units, spelled exactly as its configuration parser wants them (case-sensitive). */
const MEMORY_UNITS: Readonly<Record<string, number>> = { kB: 1, MB: KB_PER_MB, GB: KB_PER_GB, TB: KB_PER_TB };

/**
 * The largest unit that loses nothing, as PGTune prints values: whole GB, else whole MB, else kB.
 * Never TB, like PGTune (PostgreSQL's SHOW would print 1024GB as 1TB; both mean the same).
 */
export function formatMemory(kb: number): string {
  if (kb % KB_PER_GB === 0) return `${kb / KB_PER_GB}GB`;
  if (kb % KB_PER_MB === 0) return `${kb / KB_PER_MB}MB`;
  return `${kb}kB`;
}

/** Down to whole 8kB pages, the unit the server stores the setting in; otherwise it rounds, and SHOW differs from the file. */
function wholePages(kb: number): number {
  return kb - (kb % PAGE_KB);
}

// ------------------------------------------------------------------------------ the inputs

export const MEMORY_MIN_KB = 256 * KB_PER_MB;
/**
 * 4TB: far above what PGTune claims to handle (it warns above 100GB), and every value derived from
 * it stays inside PostgreSQL's limits (shared_buffers at most 8TB, effective_cache_size below
 * 2^31 pages, work_mem below 2^31 kB).
 */
export const MEMORY_MAX_KB = 4 * KB_PER_TB;
/** max_parallel_workers (set to the core count) accepts at most 1024 (MAX_PARALLEL_WORKER_LIMIT). */
export const CPUS = { min: 1, max: 1024 } as const;
export const CONNECTIONS = { min: 10, max: 10000, default: 100 } as const;
export const STORAGE_DEFAULT: Storage = 'ssd';

const MEMORY_RANGE = `from ${formatMemory(MEMORY_MIN_KB)} to ${MEMORY_MAX_KB / KB_PER_TB}TB`;

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * A memory size as PostgreSQL writes it: a whole number and kB, MB, GB or TB, nothing between.
 * A bare number is refused: PostgreSQL reads it in each setting's own unit (8kB pages for
 * shared_buffers, kB for work_mem), so "4096" would mean nothing definite here.
 * Fractions ("1.5GB", which PostgreSQL 12+ accepts for single settings) are refused too: the
 * formulas work in whole kB, and 1536MB says the same without rounding.
 */
function parseMemory(value: string): Parsed<number> {
  if (value === '') return { ok: false, problem: 'is empty' };
  if (/\s/.test(value)) return { ok: false, problem: `is "${value}", which contains a space; write the number and the unit together, e.g. 4GB` };
  const match = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/.exec(value);
  if (match === null) return { ok: false, problem: `is "${value}", not a size such as 4GB, 512MB or 1048576kB` };
  const [, number = '', unit = ''] = match;
  if (unit === '') {
    return { ok: false, problem: `is "${value}" without a unit; PostgreSQL reads a bare number in each setting's own unit, so write kB, MB, GB or TB` };
  }
  const meant = postgresUnit(unit);
  if (meant === undefined) return { ok: false, problem: `is "${value}"; "${unit}" is not one of PostgreSQL's memory units: kB, MB, GB, TB` };
  const kb = Number(number) * (MEMORY_UNITS[meant] as number);
  const instead = Number.isInteger(kb) ? ` (${formatMemory(kb)})` : '';
  if (meant !== unit) return { ok: false, problem: `is "${value}"; PostgreSQL spells the unit "${meant}" and refuses other spellings${instead}` };
  if (number.includes('.')) {
    const whole = instead === '' ? 'write a whole number of kB' : `write a whole number in a smaller unit${instead}`;
    return { ok: false, problem: `is "${value}", a fraction; ${whole}` };
  }
  if (kb < MEMORY_MIN_KB) return { ok: false, problem: `is ${value}, below the minimum of ${formatMemory(MEMORY_MIN_KB)}` };
  if (kb > MEMORY_MAX_KB) return { ok: false, problem: `is ${value}, above the maximum of ${MEMORY_MAX_KB / KB_PER_TB}TB` };
  return { ok: true, value: kb };
}

/** The PostgreSQL unit a spelling means: exact, or Docker's and other tools' (k, m, G, gb, Gb, ...). */
function postgresUnit(unit: string): string | undefined {
  if (MEMORY_UNITS[unit] !== undefined) return unit;
  const initial = /^([kmgt])b?$/.exec(unit.toLowerCase())?.[1];
  return Object.keys(MEMORY_UNITS).find((u) => u[0]?.toLowerCase() === initial);
}

function wholeNumber(value: string, min: number, max: number, why: string): Parsed<number> {
  if (value === '') return { ok: false, problem: 'is empty' };
  if (!/^[0-9]+$/.test(value)) return { ok: false, problem: `is "${value}", not a whole number from ${min} to ${max}` };
  const n = Number(value);
  if (n < min) return { ok: false, problem: `is ${n}, below the minimum of ${min}` };
  if (n > max) return { ok: false, problem: `is ${n}, above the maximum of ${max}${why}` };
  return { ok: true, value: n };
}

function parseCpus(value: string): Parsed<number> {
  const parsed = wholeNumber(value, CPUS.min, CPUS.max, ' (PostgreSQL\'s limit for max_parallel_workers)');
  if (!parsed.ok && /^[0-9]+\.[0-9]+$/.test(value)) {
    // Docker's `cpus: 2.5`: the parallel workers are whole processes, so a fraction of a core does not count.
    return { ok: false, problem: `is "${value}", a fraction; count whole cores (${Math.max(1, Math.floor(Number(value)))})` };
  }
  return parsed;
}

function parseConnections(value: string): Parsed<number> {
  return wholeNumber(value, CONNECTIONS.min, CONNECTIONS.max, '; put a connection pooler such as PgBouncer in front for more clients');
}

function parseStorage(value: string): Parsed<Storage> {
  if (value === 'ssd' || value === 'hdd') return { ok: true, value };
  if (value === '') return { ok: false, problem: 'is empty' };
  const lower = value.toLowerCase();
  if (lower === 'ssd' || lower === 'hdd') return { ok: false, problem: `is "${value}"; write it in lower case: ${lower}` };
  return { ok: false, problem: `is "${value}"; it must be ssd or hdd (NVMe and SAN storage count as ssd)` };
}

const problemOf = <T>(parse: (value: string) => Parsed<T>) => (value: string): string | undefined => {
  const parsed = parse(value);
  return parsed.ok ? undefined : parsed.problem;
};

/** Each returns a phrase completing "VARIABLE ..." or undefined, like the rules in rules.ts. */
export const memoryProblem = problemOf(parseMemory);
export const cpusProblem = problemOf(parseCpus);
export const storageProblem = problemOf(parseStorage);
export const maxConnectionsProblem = problemOf(parseConnections);

/** The problem function, fix text and default of each sizing variable, for the settings table. */
export const SIZING_RULES: Readonly<Record<SizingVariable, { problem: (value: string) => string | undefined; fix: string; default?: string }>> = {
  PG_MEMORY: {
    problem: memoryProblem,
    fix: `set PG_MEMORY to the memory PostgreSQL may use, with a unit (kB, MB, GB or TB), ${MEMORY_RANGE}, e.g. PG_MEMORY=4GB`,
  },
  PG_CPUS: {
    problem: cpusProblem,
    fix: `set PG_CPUS to the number of CPU cores PostgreSQL may use, from ${CPUS.min} to ${CPUS.max}`,
  },
  PG_STORAGE: {
    problem: storageProblem,
    fix: 'set PG_STORAGE=ssd (also for NVMe and SAN) or PG_STORAGE=hdd',
    default: STORAGE_DEFAULT,
  },
  PG_MAX_CONNECTIONS: {
    problem: maxConnectionsProblem,
    fix: `set PG_MAX_CONNECTIONS from ${CONNECTIONS.min} to ${CONNECTIONS.max} (default ${CONNECTIONS.default})`,
    default: String(CONNECTIONS.default),
  },
};

const SIZING_VARIABLES = Object.keys(SIZING_RULES) as SizingVariable[];

/**
 * Every problem with the sizing variables. They are one group: sizing is off while none is set
 * (today's behaviour), and as soon as one is set PG_MEMORY and PG_CPUS are both needed, because
 * half a sizing (memory without cores) would silently keep PostgreSQL's defaults for the rest.
 * An empty string is a value (reported "is empty"), as in the model's other variables.
 */
export function sizingProblems(given: SizingValues): SizingProblem[] {
  const problems: SizingProblem[] = [];
  const set = SIZING_VARIABLES.filter((name) => given[name] !== undefined);
  for (const name of set) {
    const problem = SIZING_RULES[name].problem(given[name] as string);
    if (problem !== undefined) problems.push({ variable: name, problem, fix: SIZING_RULES[name].fix });
  }
  if (set.length > 0) {
    for (const required of ['PG_MEMORY', 'PG_CPUS'] as const) {
      if (given[required] !== undefined) continue;
      const others = set.length > 1 ? `${set.slice(0, -1).join(', ')} and ${set.at(-1)}` : set.join('');
      problems.push({
        variable: required,
        problem: `is not set, but ${others} ${set.length > 1 ? 'are' : 'is'}; sizing needs both PG_MEMORY and PG_CPUS`,
        fix: `${SIZING_RULES[required].fix}, or unset ${others} to keep PostgreSQL's defaults`,
      });
    }
  }
  return problems;
}

/**
 * The sizing input with defaults applied, or undefined when no sizing variable is set.
 * Throws when sizingProblems(given) is not empty: check first, as for every other variable.
 */
export function sizingInput(given: SizingValues): SizingInput | undefined {
  if (SIZING_VARIABLES.every((name) => given[name] === undefined)) return undefined;
  const problems = sizingProblems(given);
  if (problems.length > 0) {
    throw new Error(problems.map((p) => `${p.variable} ${p.problem}. Fix: ${p.fix}.`).join('\n'));
  }
  const value = <T>(parse: (v: string) => Parsed<T>, raw: string): T => {
    const parsed = parse(raw);
    if (!parsed.ok) throw new Error(parsed.problem); // unreachable: sizingProblems passed
    return parsed.value;
  };
  return {
    memoryKb: value(parseMemory, given.PG_MEMORY as string),
    cpus: value(parseCpus, given.PG_CPUS as string),
    storage: value(parseStorage, given.PG_STORAGE ?? STORAGE_DEFAULT),
    maxConnections: value(parseConnections, given.PG_MAX_CONNECTIONS ?? String(CONNECTIONS.default)),
  };
}

// ------------------------------------------------------------------------------- formulas

const PGTUNE = 'PGTune web profile';
/** PGTune's wal_buffers: 3% of shared_buffers (close to PostgreSQL's own -1 = 1/32), between 32kB and 16MB. */
const WAL_BUFFERS_MAX_KB = 16 * KB_PER_MB;
const WAL_BUFFERS_SNAP_FROM_KB = 14 * KB_PER_MB;
const WAL_BUFFERS_MIN_KB = 32;
const MAINTENANCE_WORK_MEM_MAX_KB = 8 * KB_PER_GB;
const WORK_MEM_MIN_KB = 4 * KB_PER_MB;
/** PostgreSQL's default max_worker_processes. */
const DEFAULT_WORKER_PROCESSES = 8;
/** PGTune: "no clear evidence" that more than 4 workers per gather or per index build pay off outside data warehouses. */
const WORKERS_PER_OPERATION_MAX = 4;

/**
 * The server settings for these inputs, in the order a reader expects them (connections, memory,
 * WAL and checkpoints, planner costs, workers). Rendered identically for the primary and every replica.
 */
export function sizeServer(input: SizingInput): SizedSetting[] {
  const { memoryKb, cpus, storage, maxConnections } = input;

  // PGTune: RAM/4. PostgreSQL docs (Resource Consumption): "a reasonable starting value for
  // shared_buffers is 25% of the memory in your system".
  const sharedBuffersKb = wholePages(Math.floor(memoryKb / 4));
  // PGTune: 3/4 of RAM, what shared_buffers and the OS page cache together can hold. A planner
  // estimate only; nothing is allocated.
  const effectiveCacheSizeKb = wholePages(Math.floor((memoryKb * 3) / 4));
  // PGTune: RAM/16, capped at 8GB (more does not speed up VACUUM or CREATE INDEX noticeably).
  const maintenanceWorkMemKb = Math.min(Math.floor(memoryKb / 16), MAINTENANCE_WORK_MEM_MAX_KB);
  // PGTune: 3% of shared_buffers, capped at 16MB (one WAL segment), snapped up to 16MB above 14MB,
  // at least 32kB (PostgreSQL's own minimum). Then whole pages (see wholePages).
  const walBuffersKb = wholePages(walBuffers(Math.floor((3 * sharedBuffersKb) / 100)));

  // PGTune sets max_worker_processes = cores (from 4 cores on). Here it never drops below
  // PostgreSQL's default 8: the slots are cheap (shared memory only), the logical replication
  // launcher and extensions' background workers take slots too, and a hot standby refuses to run
  // with fewer than its primary has. The same value is rendered for the primary and its replicas;
  // separately generated per-host bundles must be given the same PG_CPUS and PG_MAX_CONNECTIONS
  // (or higher ones on the replica).
  const workerProcesses = Math.max(DEFAULT_WORKER_PROCESSES, cpus);
  // PGTune: max_parallel_workers = cores; below 4 cores it leaves PostgreSQL's default 8, which
  // oversubscribes a 1- or 2-core machine, so here it is the core count at every size.
  const parallelWorkers = cpus;
  // PGTune: ceil(cores/2), at most 4, for both. At least 1, so parallel query stays available.
  const perOperation = Math.min(Math.ceil(cpus / 2), WORKERS_PER_OPERATION_MAX);

  // PGTune: (RAM - shared_buffers) / ((max_connections + max_worker_processes) * 3): each backend
  // or worker may run about three sorts or hashes at once, and the memory outside shared_buffers is
  // shared among all of them. At least 4MB (PostgreSQL's default), floored to whole kB.
  const workMemKb = Math.max(
    WORK_MEM_MIN_KB,
    Math.floor((memoryKb - sharedBuffersKb) / ((maxConnections + workerProcesses) * 3)),
  );

  const ssd = storage === 'ssd';
  return [
    { name: 'max_connections', value: String(maxConnections), source: 'PG_MAX_CONNECTIONS; work_mem is divided among these' },
    { name: 'shared_buffers', value: formatMemory(sharedBuffersKb), source: `${PGTUNE}: RAM/4 (PostgreSQL docs: 25% of RAM)` },
    { name: 'effective_cache_size', value: formatMemory(effectiveCacheSizeKb), source: `${PGTUNE}: RAM*3/4` },
    { name: 'maintenance_work_mem', value: formatMemory(maintenanceWorkMemKb), source: `${PGTUNE}: RAM/16, at most 8GB` },
    { name: 'work_mem', value: formatMemory(workMemKb), source: `${PGTUNE}: (RAM - shared_buffers) / (3 * (max_connections + max_worker_processes)), at least 4MB` },
    { name: 'wal_buffers', value: formatMemory(walBuffersKb), source: `${PGTUNE}: 3% of shared_buffers, 32kB..16MB, whole 8kB pages` },
    // PGTune web profile: fixed sizes. min_wal_size keeps 1GB of recycled segments for bursts;
    // max_wal_size 4GB spaces checkpoints further apart than PostgreSQL's 1GB default.
    { name: 'min_wal_size', value: '1GB', source: `${PGTUNE}: 1GB` },
    { name: 'max_wal_size', value: '4GB', source: `${PGTUNE}: 4GB` },
    // PGTune, and PostgreSQL's own default since 14 (commit bbcc4eb2); written out for 13.
    { name: 'checkpoint_completion_target', value: '0.9', source: `${PGTUNE}; PostgreSQL 14+ default` },
    // PGTune: 1.1 on SSD, where a random read costs about as much as a sequential one; PostgreSQL's
    // default 4 models spinning disks (docs, Planner Cost Constants).
    { name: 'random_page_cost', value: ssd ? '1.1' : '4', source: `${PGTUNE}: ssd 1.1, hdd 4` },
    // PGTune (Linux): concurrent prefetch requests the storage serves well; SSDs handle hundreds,
    // a disk a couple (docs, Asynchronous Behavior).
    { name: 'effective_io_concurrency', value: ssd ? '200' : '2', source: `${PGTUNE}: ssd 200, hdd 2` },
    { name: 'max_worker_processes', value: String(workerProcesses), source: 'max(8, PG_CPUS); PGTune: PG_CPUS; a replica needs at least the primary\'s' },
    { name: 'max_parallel_workers', value: String(parallelWorkers), source: `${PGTUNE}: PG_CPUS (also below 4 cores here)` },
    { name: 'max_parallel_workers_per_gather', value: String(perOperation), source: `${PGTUNE}: ceil(PG_CPUS/2), at most 4` },
    { name: 'max_parallel_maintenance_workers', value: String(perOperation), source: `${PGTUNE}: ceil(PG_CPUS/2), at most 4` },
    // PostgreSQL's default: huge pages when the host has them reserved, ordinary pages otherwise.
    // PGTune writes off below 2GB of shared_buffers; try costs nothing there and starts either way.
    // Known trap, unchanged by writing it out: a host with huge pages reserved and a container
    // whose hugetlb limit is lower (Kubernetes, older runc) dies with SIGBUS; the cure there is off.
    { name: 'huge_pages', value: 'try', source: 'PostgreSQL default, written out; PGTune: try from 2GB shared_buffers' },
  ];
}

function walBuffers(threePercentKb: number): number {
  if (threePercentKb > WAL_BUFFERS_SNAP_FROM_KB) return WAL_BUFFERS_MAX_KB;
  return Math.max(WAL_BUFFERS_MIN_KB, threePercentKb);
}

// -------------------------------------------------------------------------------- shm_size

export const SHM_SIZE_MIN_KB = 256 * KB_PER_MB;

/**
 * The compose shm_size (Docker byte syntax: "256m", "1g") for a service.
 *
 * Parallel queries exchange tuples and build shared hash tables in dynamic shared memory, which
 * PostgreSQL's default dynamic_shared_memory_type=posix puts in /dev/shm. Docker gives a container
 * 64MB there, and parallel hash joins then fail with "could not resize shared memory segment ...
 * No space left on device" (docker-library/postgres#416). /dev/shm is a tmpfs: its size is only a
 * cap, and its pages are charged to the container's memory when a query uses them.
 *
 * With PG_MEMORY: RAM/4, rounded up to whole MB. That is one work_mem for every connection and
 * worker at once ((RAM - shared_buffers)/3 with shared_buffers = RAM/4, from the work_mem formula),
 * far more than the parallel participants' hash tables (workers and leaders x work_mem x
 * hash_mem_multiplier per hash node) need in the common case. It stops at RAM/4 rather than the
 * RAM/2 a bare Linux host gives /dev/shm: shared_buffers plus a full /dev/shm then stay within half
 * of a container limited to PG_MEMORY, so a runaway parallel query fails with that error instead of
 * bringing in the OOM killer, whose kill of one backend restarts every connection.
 * At least 256MB, which is also the value without PG_MEMORY: PostgreSQL's defaults (work_mem 4MB,
 * hash_mem_multiplier 2 from PostgreSQL 15, 8 parallel workers plus up to 4 leaders) need under
 * 100MB per level of hash join.
 */
export function shmSizeFor(memoryKb: number | undefined): string {
  const kb = memoryKb === undefined ? SHM_SIZE_MIN_KB : Math.max(SHM_SIZE_MIN_KB, memoryKb / 4);
  return composeBytes(Math.ceil(kb / KB_PER_MB) * KB_PER_MB);
}

/**
 * A size in Compose's byte syntax (shm_size, mem_limit): whole g, else whole m, else k, the units
 * the Compose specification documents. PG_MEMORY is converted from kB rather than copied, so
 * compose.yaml never depends on how a Compose version reads PostgreSQL's "kB"/"GB" spellings.
 */
export function composeBytes(kb: number): string {
  if (kb % KB_PER_GB === 0) return `${kb / KB_PER_GB}g`;
  if (kb % KB_PER_MB === 0) return `${kb / KB_PER_MB}m`;
  return `${kb}k`;
}
