// The one config model. Input is a flat map of variable names to strings (the environment, or
// wizard answers and CLI flags translated to the same names); output is a typed Config. Each
// setting is checked by the rule the settings table gives it, and every rule runs, so the user
// sees every problem at once. Only what spans settings is written out here: the role and the
// primary's host (a stack has fixed ones), secrets and their *_FILE forms, and distinct users.
import { readFileSync } from 'node:fs';
// zod's small build, zod/mini (functions instead of methods, so the bundler keeps only what is
// used), through a namespace import (`import { z }` would keep all of it). The full zod registers
// English messages for zod's own issues; zod/mini has none until told, so register the same ones.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { ConfigError } from './errors.js';
import { roleNameProblem } from './rules.js';
import { sizingProblems, type SizingValues } from './sizing.js';
import { SETTINGS, defaultOf, settingNamed, type Mode, type Setting } from './settings.js';
import { parseBoolean } from './booleans.js';

z.config(en());

/**
 * given: the value; generate: generated once, then kept in secrets/; absent: a per-host bundle that
 * holds no such file and must not get one (a replica promoted by a day-2 command: its data already
 * has the primary's superuser password, and a freshly generated one would not match it).
 */
export type Secret = { kind: 'given'; value: string } | { kind: 'generate' } | { kind: 'absent' };
export type Role = 'primary' | 'replica';

type Keyed = Extract<(typeof SETTINGS)[number], { key: string }>;
/** One field per setting with a `key` in the table, typed by the setting's type; undefined when unset and without a default. */
export type SettingValues = {
  [S in Keyed as S['key']]: S['type'] extends 'int' ? number : S['type'] extends 'secret' ? Secret : S extends { default: unknown } ? string : string | undefined;
};

export type Config = SettingValues & {
  mode: Mode;
  /** The node's role; a single-host stack renders the primary and its replicas. */
  role: Role;
  /** Where a replica dials its primary: PRIMARY_HOST for a node, the service name in a stack. */
  primaryHost: string;
};

export type RawSettings = Readonly<Record<string, string | undefined>>;

export interface ParseOptions {
  mode: Mode;
  /** Reads a *_FILE secret; injectable so the wizard can validate without touching disk. */
  readFile?: (path: string) => string;
}

export type ParseResult = { ok: true; config: Config } | { ok: false; errors: ConfigError[] };

type Report = (variable: string, problem: string, fix: string) => void;

/** A secret file's value; throws when it cannot be read. */
export function readSecretFile(path: string): string {
  // Trailing newlines are what editors and `echo` add; bash's $(<file) strips them the same way.
  return readFileSync(path, 'utf8').replace(/\n+$/, '');
}

/** Settings the loop below leaves alone: they depend on the mode and on each other. */
const READ_BY_HAND = new Set(['REPLICATION_ROLE', 'PRIMARY_HOST']);

function buildSchema(mode: Mode, readFile: (path: string) => string) {
  return z.pipe(z.record(z.string(), z.optional(z.string())), z.transform((raw, ctx): Config => {
    // What full zod's ctx.addIssue() records for an issue object; zod/mini's ctx has only the list.
    const report: Report = (variable, problem, fix) => {
      ctx.issues.push({ code: 'custom', path: [variable], message: problem, params: { fix }, input: raw });
    };
    const resolved: Record<string, string> = {};
    const fields: Record<string, unknown> = {};
    for (const setting of SETTINGS as readonly Setting[]) {
      if (READ_BY_HAND.has(setting.name)) continue;
      if (setting.type === 'secret') {
        fields[setting.key as string] = readSecret(setting, raw, readFile, setting.required?.includes(mode) === true, report);
        continue;
      }
      const given = raw[setting.name];
      const problem = given === undefined ? undefined : setting.rule?.(given);
      if (problem !== undefined) report(setting.name, problem, setting.fix ?? 'see pg-ha-init --help');
      const value = given ?? defaultOf(setting, mode, (name) => resolved[name] ?? '');
      if (value !== undefined) resolved[setting.name] = value;
      if (setting.key !== undefined) fields[setting.key] = setting.type === 'int' ? Number(value) : value;
    }

    const role = mode === 'stack' ? 'primary' : readRole(raw.REPLICATION_ROLE, report);
    const primaryService = resolved.PRIMARY_SERVICE ?? 'primary';
    const replicaNumber = /^replica(\d+)$/u.exec(primaryService)?.[1];
    if (mode === 'stack' && replicaNumber !== undefined && Number(replicaNumber) > Number(resolved.REPLICA_COUNT)) {
      report('PRIMARY_SERVICE', `is "${primaryService}", but the stack has ${resolved.REPLICA_COUNT} replica(s)`, 'set PRIMARY_SERVICE to primary or replicaN with N at most REPLICA_COUNT');
    }
    // In a stack, replicas dial the primary service by its name on the compose network.
    const primaryHost = mode === 'stack' ? primaryService : readPrimaryHost(role, raw.PRIMARY_HOST, report);
    const { REPLICATION_USER: replicationUser, POSTGRES_USER: postgresUser } = resolved;
    if (replicationUser === postgresUser && roleNameProblem(replicationUser ?? '') === undefined) {
      report('REPLICATION_USER', `is the same role as POSTGRES_USER ("${postgresUser}")`, 'use a dedicated role, e.g. REPLICATION_USER=replicator');
    }
    checkSizingGroup(raw, resolved, report);
    checkSync(mode, raw, resolved, report);
    return { ...fields, mode, role, primaryHost } as Config;
  }));
}

/**
 * The sizing variables are one group (sizing.ts): each value's own rule ran in the loop above;
 * here only what spans them, PG_MEMORY and PG_CPUS required as soon as one of the four is set.
 * PG_LIMITS=true caps the containers at those values, so it needs them too.
 */
function checkSizingGroup(raw: RawSettings, resolved: Record<string, string>, report: Report): void {
  const given: SizingValues = { PG_MEMORY: raw.PG_MEMORY, PG_CPUS: raw.PG_CPUS, PG_STORAGE: raw.PG_STORAGE, PG_MAX_CONNECTIONS: raw.PG_MAX_CONNECTIONS };
  for (const problem of sizingProblems(given)) {
    if (given[problem.variable] === undefined) report(problem.variable, problem.problem, problem.fix);
  }
  if (parseBoolean(resolved.PG_LIMITS) === true) {
    for (const name of ['PG_MEMORY', 'PG_CPUS'] as const) {
      if (raw[name] === undefined) report(name, 'is not set, but PG_LIMITS=true caps the containers at PG_MEMORY and PG_CPUS', `${settingNamed(name).fix ?? ''}, or set PG_LIMITS=false`);
    }
  }
}

/**
 * SYNC_REPLICAS = k needs k replicas that can confirm: in a stack, at most its replica count; per
 * host, the names in SYNC_REPLICA_NAMES (which the primary's host cannot know otherwise).
 */
function checkSync(mode: Mode, raw: RawSettings, resolved: Record<string, string>, report: Report): void {
  const k = Number(resolved.SYNC_REPLICAS);
  if (!Number.isInteger(k) || k < 1 || settingNamed('SYNC_REPLICAS').rule?.(resolved.SYNC_REPLICAS ?? '') !== undefined) return;
  if (mode === 'stack') {
    const count = Number(resolved.REPLICA_COUNT);
    if (Number.isInteger(count) && k > count) {
      report('SYNC_REPLICAS', `is ${k}, more than the ${count} replica(s) of this stack; commits would wait forever`, `set SYNC_REPLICAS from 0 to ${count}, or raise REPLICA_COUNT`);
    }
    return;
  }
  const names = raw.SYNC_REPLICA_NAMES;
  if (names === undefined || names === '') {
    report('SYNC_REPLICA_NAMES', `is not set, but SYNC_REPLICAS=${k} needs the names of the replicas that may confirm commits`, 'set SYNC_REPLICA_NAMES to the replicas\' REPLICA_NAME values, e.g. replica1,replica2, or set SYNC_REPLICAS=0');
    return;
  }
  const count = names.split(',').length;
  if (k > count && settingNamed('SYNC_REPLICA_NAMES').rule?.(names) === undefined) {
    report('SYNC_REPLICAS', `is ${k}, more than the ${count} name(s) in SYNC_REPLICA_NAMES; commits would wait forever`, `set SYNC_REPLICAS from 0 to ${count}, or name more replicas in SYNC_REPLICA_NAMES`);
  }
}

function readRole(given: string | undefined, report: Report): Role {
  if (given === 'primary' || given === 'replica') return given;
  const setting = settingNamed('REPLICATION_ROLE');
  const problem = given === undefined || given === '' ? 'is not set; it must be "primary" or "replica"' : setting.rule?.(given) ?? '';
  report(setting.name, problem, setting.fix ?? '');
  return 'primary';
}

function readPrimaryHost(role: Role, given: string | undefined, report: Report): string {
  const setting = settingNamed('PRIMARY_HOST');
  if (given === undefined || given === '') {
    if (role === 'replica') report(setting.name, 'is not set, and a replica needs it', 'set PRIMARY_HOST to the primary\'s host name or IP address');
    return '';
  }
  const problem = setting.rule?.(given);
  if (problem !== undefined) report(setting.name, problem, setting.fix ?? '');
  return given;
}

function readSecret(setting: Setting, raw: RawSettings, readFile: (path: string) => string, required: boolean, report: Report): Secret {
  const { name } = setting;
  const direct = raw[name];
  const fileName = `${name}_FILE`;
  const file = raw[fileName];
  if (direct !== undefined && file !== undefined) {
    report(name, `and ${fileName} are both set`, `set only one of them`);
    return { kind: 'generate' };
  }
  let value = direct;
  let source: string = name;
  if (file !== undefined) {
    source = fileName;
    try {
      value = readFile(file);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      report(fileName, `points to a file that cannot be read (${reason})`, `point ${fileName} at a readable file holding the password`);
      return { kind: 'generate' };
    }
  }
  if (value === undefined) {
    if (required) report(name, 'is not set, and native replication needs it', `set ${name} or ${fileName} (the same value on every node)`);
    return { kind: 'generate' };
  }
  const problem = setting.rule?.(value);
  if (problem !== undefined) {
    report(source, problem, setting.fix ?? '');
    return { kind: 'generate' };
  }
  return { kind: 'given', value };
}

/**
 * The settings map that gives back `config` through parseConfig, secrets left out: every keyed
 * setting by variable name (defaults included), and a node's role and primary host. Templates
 * read it as `settings.NAME`; the bundle's manifest stores it.
 */
export function nonSecretSettings(config: Config): Record<string, string> {
  const settings: Record<string, string> = { HA_MODE: 'native' };
  if (config.mode === 'node') {
    settings.REPLICATION_ROLE = config.role;
    if (config.primaryHost !== '') settings.PRIMARY_HOST = config.primaryHost;
  }
  for (const setting of SETTINGS as readonly Setting[]) {
    if (setting.key === undefined || setting.type === 'secret') continue;
    const value = (config as unknown as Record<string, unknown>)[setting.key];
    // Optional settings left unset stay unset, so the manifest reads back the same config.
    if (value !== undefined) settings[setting.name] = String(value);
  }
  return settings;
}

export function parseConfig(raw: RawSettings, options: ParseOptions): ParseResult {
  const result = buildSchema(options.mode, options.readFile ?? readSecretFile).safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  const errors = result.error.issues.map((issue): ConfigError => ({
    variable: String(issue.path[0]),
    problem: issue.message,
    fix: String((issue as { params?: { fix?: string } }).params?.fix ?? 'see pg-ha-init --help'),
  }));
  return { ok: false, errors };
}
