import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../ids.js';

/** Raw SQL helpers for subgraphs' own tables: each subgraph has its own schema, named in its config. */

/** A table of the subgraph's schema, quoted for raw SQL. */
export const table = (em: EntityManager, name: string) => `"${em.config.get('schema')}".${name}`;

/**
 * Holds a lock named by `key` until the transaction ends, so work on one thing (a buyer's
 * checkouts, an owner's quota, one pair of users) runs one at a time across processes.
 */
export const lockKey = (em: EntityManager, key: string) =>
  em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);

/** Locks one row of the subgraph's table `name` until the transaction ends. */
export const lockRow = (em: EntityManager, name: string, id: string) =>
  em.execute(`select id from ${table(em, name)} where id = ? for update`, [id]);

/** Rows of a raw statement, typed. */
export const rows = <T>(em: EntityManager, sql: string, params: unknown[] = []) => em.execute<T[]>(sql, params);

/**
 * A uuid[] parameter. The query builder would spread a JS array into a list of parameters, so
 * arrays travel as Postgres array literals; anything not a uuid could match no row and is left out.
 */
export const uuidArray = (ids: readonly string[]) => `{${ids.filter(isUuid).join(',')}}`;

/** A uuid[] parameter that may hold NULLs (positions matter, e.g. zipped with another array). */
export const nullableUuidArray = (ids: readonly (string | null)[]) =>
  `{${ids.map((id) => (id && isUuid(id) ? id : 'NULL')).join(',')}}`;

/** DataLoader keys that can name a row, lowercased: anything else would make Postgres fail the whole batch. */
export const validIds = (ids: readonly string[]) => ids.filter(isUuid).map((id) => id.toLowerCase());

/** Rows in the order of the keys asked for, null where none matched (ids compare case-insensitively). */
export function byKey<T>(keys: readonly string[], found: T[], keyOf: (row: T) => string): (T | null)[] {
  const byId = new Map(found.map((row) => [keyOf(row), row]));
  return keys.map((key) => byId.get(key.toLowerCase()) ?? null);
}

/**
 * Saves a row of a read model kept from another domain's events. Consumers of different event
 * names run independently and retries arrive late, so an older event can be handled after a newer
 * one; event ids are time-ordered (UUIDv7), and a row only ever moves forward to a later event's
 * facts. `insertOnly` columns are written when the row is new and never changed afterwards.
 */
export async function saveIfNewer(
  em: EntityManager,
  name: string,
  row: {
    key: Record<string, unknown>;
    values: Record<string, unknown>;
    insertOnly?: Record<string, unknown>;
    eventId: string;
  },
) {
  const all = { ...row.key, ...row.values, ...row.insertOnly, last_event_id: row.eventId };
  const columns = Object.keys(all);
  const updated = [...Object.keys(row.values), 'last_event_id'];
  const target = table(em, name);
  await em.execute(
    `insert into ${target} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})
     on conflict (${Object.keys(row.key).join(', ')}) do update set
       ${updated.map((c) => `${c} = excluded.${c}`).join(', ')}
     where ${target}.last_event_id < excluded.last_event_id`,
    Object.values(all),
  );
}
