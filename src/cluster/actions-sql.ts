// The statements the day-2 steps send, written once with their quoting, so `switchover`,
// `failover` and `rejoin` run exactly what the e2e tests ran on real servers.
import { sqlLiteral } from '../render/quote/sql.js';

/** Physical slot names: PostgreSQL accepts lower-case letters, digits and underscores, 1–63 of them. */
export function isSlotName(name: string): boolean {
  return /^[a-z0-9_]{1,63}$/u.test(name);
}

function slotLiteral(name: string): string {
  if (!isSlotName(name)) throw new Error(`${JSON.stringify(name)} is not a valid replication slot name (a-z, 0-9, _; at most 63)`);
  return sqlLiteral(name);
}

/**
 * Promote a standby and wait: a real promotion, onto a new timeline. Prints t, or f when it did
 * not finish within waitSeconds (pg_promote's own timeout).
 */
export function promoteSql(waitSeconds = 60): string {
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1) throw new Error(`wait seconds must be a positive integer, got ${waitSeconds}`);
  return `select pg_promote(true, ${waitSeconds})`;
}

/** After a promotion, before anyone rewinds from this node (repmgr #372). */
export const CHECKPOINT_SQL = 'checkpoint';

/**
 * A physical slot for a follower, reserving WAL from now (immediately_reserve = true); nothing
 * when it exists. Prints the slot's name either way. Slots are not replicated: every new primary
 * needs one per follower (repmgr #128, patroni #3415).
 */
export function ensureSlotSql(name: string): string {
  const lit = slotLiteral(name);
  return `select coalesce((select slot_name::text from pg_replication_slots where slot_name = ${lit}),
  (select slot_name::text from pg_create_physical_replication_slot(${lit}, true)))`;
}

/** Drop a stale slot (one a demoted node still holds pins WAL there); nothing when it is absent or in use. */
export function dropStaleSlotSql(name: string): string {
  const lit = slotLiteral(name);
  return `select count(pg_drop_replication_slot(slot_name)) from pg_replication_slots where slot_name = ${lit} and not active`;
}

/**
 * Drop every inactive physical slot: on a node just rejoined as a standby, the slots it held as a
 * primary for its old replicas (their names are in other hosts' bundles) pin WAL there.
 */
export function dropInactiveSlotsSql(): string {
  return "select count(pg_drop_replication_slot(slot_name)) from pg_replication_slots where slot_type = 'physical' and not active";
}

/** What a standby has received (flushed): the switchover waits until it reaches the old primary's shutdown checkpoint. */
export const RECEIVED_LSN_SQL = 'select pg_last_wal_receive_lsn()';
