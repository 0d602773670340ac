import type { EntityManager } from '@mikro-orm/postgresql';

/** A table of this subgraph's schema, quoted for raw SQL (each subgraph has its own schema). */
export const table = (em: EntityManager, name: string) => `"${em.config.get('schema')}".${name}`;

export const rows = <T>(em: EntityManager, sql: string, params: unknown[] = []) => em.execute<T[]>(sql, params);
