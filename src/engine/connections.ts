// How to connect to what was just started. The strings never hold a password: they say which
// file holds it, so they can be copied into a terminal, a log or a ticket safely.
import type { Config } from '../config/model.js';
import { services } from '../render/topology.js';
import { SECRET_DIR } from '../render/view.js';

export function connectionLines(config: Config, outDir: string): string[] {
  const user = encodeURIComponent(config.postgresUser);
  const db = encodeURIComponent(config.postgresDb);
  const rows = services(config).map((s) => {
    // A node is published on every interface; localhost is the address that works from here.
    const host = s.publishAddress ?? 'localhost';
    const note = s.role === 'replica' ? '   (read-only)' : '';
    return `  ${s.name.padEnd(10)} postgresql://${user}@${host}:${s.publishPort}/${db}${note}`;
  });
  const hasSecret = services(config).some((s) => s.secrets.some((x) => x.name === 'postgres_password'));
  const where = hasSecret ? `in ${outDir}/${SECRET_DIR}/postgres_password` : 'the primary\'s (its bundle\'s secrets/postgres_password)';
  return [`Connect as ${config.postgresUser}; the password is ${where}:`, ...rows];
}
