// synchronous_standby_names, read as PostgreSQL reads it (syncrep_gram.y): empty (asynchronous),
// `ANY k (a, b)` (quorum), `FIRST k (a, b)` or `k (a, b)` (priority), or a bare list, which
// means FIRST 1. `*` matches every standby. Names compare case-insensitively with the
// standby's application_name, as syncrep.c does; double quotes only allow other characters.

export interface SyncRule {
  method: 'any' | 'first';
  /** How many standbys must confirm each commit. */
  count: number;
  /** Lower-case names; '*' matches any standby. */
  names: string[];
}

function splitNames(list: string): string[] {
  const names: string[] = [];
  let i = 0;
  const skipSpace = (): void => { while (i < list.length && /\s/u.test(list[i] ?? '')) i++; };
  while (i < list.length) {
    skipSpace();
    let name = '';
    if (list[i] === '"') {
      i++;
      for (; i < list.length; i++) {
        if (list[i] === '"' && list[i + 1] === '"') { name += '"'; i++; continue; }
        if (list[i] === '"') { i++; break; }
        name += list[i];
      }
    } else {
      while (i < list.length && list[i] !== ',' && !/\s/u.test(list[i] ?? '')) name += list[i++];
    }
    skipSpace();
    if (i < list.length && list[i] !== ',') throw new Error(`unexpected ${JSON.stringify(list[i])} in synchronous_standby_names`);
    i++;
    if (name.length === 0) throw new Error('an empty name in synchronous_standby_names');
    names.push(name.toLowerCase());
  }
  return names;
}

/** null when replication is asynchronous (the setting is empty). Throws on text PostgreSQL would refuse. */
export function parseSynchronousStandbyNames(value: string): SyncRule | null {
  const text = value.trim();
  if (text.length === 0) return null;
  const m = /^(?:(any|first)\s+)?(\d+)\s*\((.*)\)$/isu.exec(text);
  if (m) {
    const method = (m[1] ?? 'first').toLowerCase() as 'any' | 'first';
    return { method, count: Number(m[2]), names: splitNames(m[3] ?? '') };
  }
  return { method: 'first', count: 1, names: splitNames(text) };
}

/** Does this application_name count for the rule? */
export function isSyncCandidate(rule: SyncRule, applicationName: string): boolean {
  return rule.names.includes('*') || rule.names.includes(applicationName.toLowerCase());
}
