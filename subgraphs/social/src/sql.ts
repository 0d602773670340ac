import { isUuid } from '@peerlink/platform/ids';
import type { EntityManager } from '@mikro-orm/postgresql';

/** A table of this subgraph's schema, quoted for raw SQL (each subgraph has its own schema). */
export const table = (em: EntityManager, name: string) => `"${em.config.get('schema')}".${name}`;

/** Rows of a raw statement, typed. */
export const rows = <T>(em: EntityManager, sql: string, params: unknown[] = []) => em.execute<T[]>(sql, params);

/**
 * A uuid[] parameter. The query builder would spread a JS array into a list of parameters, so
 * arrays travel as Postgres array literals; anything not a uuid could match no row and is left out.
 */
export const uuidArray = (ids: readonly string[]) => `{${ids.filter(isUuid).join(',')}}`;

/** A uuid[] parameter that may hold NULLs (positions matter, e.g. zipped with another array). */
export const nullableUuidArray = (ids: readonly (string | null)[]) => `{${ids.map((id) => (id && isUuid(id) ? id : 'NULL')).join(',')}}`;
