import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { HandlerContext } from '../events/consumer.js';
import type { EventMap } from '../events/event-bus.js';
import { table } from '../db/sql.js';

/**
 * The accounts a subgraph knows of, copied from identity's `identity.user.registered` and
 * `.updated` events (a subgraph never reads identity's tables), for subgraphs that must refuse ids
 * of users who do not exist: sharing a file, opening a conversation. Each such subgraph keeps its
 * own `people` table (`PEOPLE_TABLE_SQL` in its migration) and listens with `rememberPerson`.
 */
@Entity({ tableName: 'people' })
export class Person {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'timestamptz' })
  joinedAt!: Date;
}

/** The table, for a subgraph's migration; `schema` is the quoted schema name. */
export const PEOPLE_TABLE_SQL = (schema: string) => `create table ${schema}.people (
  user_id uuid primary key,
  joined_at timestamptz not null
)`;

/** The handler for identity's account events: remembers the account. */
export async function rememberPerson<E extends EventMap>(
  { userId }: { userId: string },
  { em, event }: HandlerContext<E>,
) {
  await em.execute(`insert into ${table(em, 'people')} (user_id, joined_at) values (?, ?) on conflict do nothing`, [
    userId,
    event.occurredAt,
  ]);
}

/** Whether every one of these users exists. */
export async function knowsEveryone(em: EntityManager, userIds: string[]): Promise<boolean> {
  const unique = [...new Set(userIds)];
  if (!unique.length) return true;
  const found = await em.execute<{ n: string }[]>(
    `select count(*) as n from ${table(em, 'people')} where user_id in (${unique.map(() => '?').join(', ')})`,
    unique,
  );
  return Number(found[0]?.n) === unique.length;
}
