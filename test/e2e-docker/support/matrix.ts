// Which PostgreSQL majors and which Compose engines each scenario runs on. One table, so the
// test files stay one scenario each and the README's support table can be read off it.
//
// Images: the rig builds stand-ins for postgres:13 (bullseye), 15 (bookworm), 17 (trixie) and
// 18 (sid), with the official image's data layout per major. 14 and 16 are in no Debian suite
// reachable here. Engines: `docker compose` is Compose v2 (Debian's docker-compose 2.40 as a CLI
// plugin), `docker-compose` is Compose v1 (1.29). Podman is not run (no podman here).
//
// Narrow a run while iterating: PG_HA_E2E_MAJORS="18" PG_HA_E2E_ENGINES="v2".

export type EngineName = 'v2' | 'v1';

export interface Variant {
  major: number;
  engine: EngineName;
}

/** Every major the rig builds (rig.sh's SUITE_OF). */
export const RIG_MAJORS = [13, 15, 17, 18] as const;

const V2: readonly EngineName[] = ['v2'];
const V1: readonly EngineName[] = ['v1'];

function cross(majors: readonly number[], engines: readonly EngineName[]): Variant[] {
  return engines.flatMap((engine) => majors.map((major) => ({ major, engine })));
}

/**
 * The matrix: every scenario with Compose v2; the stack on every major with both engines;
 * per-host on every major with v2 and with v1 on both data layouts (15: /var/lib/postgresql/data,
 * 18: /var/lib/postgresql); the restart faults on every major; the heavy suites on 18 (the
 * default) and 15.
 */
export const MATRIX = {
  stack: cross(RIG_MAJORS, [...V2, ...V1]),
  perHost: [...cross(RIG_MAJORS, V2), ...cross([15, 18], V1)],
  faults: cross(RIG_MAJORS, V2),
  faultsBig: cross([18, 15], V2),
  hostile: [...cross([18, 15], V2), { major: 15, engine: 'v1' }],
  secrets: [{ major: 18, engine: 'v2' }, { major: 15, engine: 'v1' }],
  wizardLaunch: [{ major: 18, engine: 'v2' }, { major: 15, engine: 'v1' }],
} satisfies Record<string, Variant[]>;

function listFromEnv(name: string): string[] | undefined {
  const value = process.env[name]?.trim();
  return value ? value.split(/[\s,]+/) : undefined;
}

/** The variants of a scenario, narrowed by PG_HA_E2E_MAJORS / PG_HA_E2E_ENGINES when set. */
export function variants(scenario: keyof typeof MATRIX): Variant[] {
  const majors = listFromEnv('PG_HA_E2E_MAJORS');
  const engines = listFromEnv('PG_HA_E2E_ENGINES');
  return MATRIX[scenario].filter((v) => (!majors || majors.includes(String(v.major))) && (!engines || engines.includes(v.engine)));
}

/** The command a user types for this engine. */
export function engineCommand(engine: EngineName): string {
  return engine === 'v2' ? 'docker compose' : 'docker-compose';
}

/** "PG 18, docker compose (v2)": test names and figures say which variant they are. */
export function describe(v: Variant): string {
  return `PG ${v.major}, ${engineCommand(v.engine)} (${v.engine})`;
}

/** argv prefix of every compose command of this engine. */
export function composeArgv(engine: EngineName): [string, ...string[]] {
  return engine === 'v2' ? ['docker', 'compose'] : ['docker-compose'];
}
