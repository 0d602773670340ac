import type { EntityManager } from '@mikro-orm/postgresql';
import { table } from '@peerlink/platform/db/sql';
import { conflict } from '@peerlink/platform/errors';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { DomainEvent } from '@peerlink/platform/events/event-bus';
import { type AnalyticsEvents, facts } from './facts.js';
import { type LearningAnalyticsEvents, learning } from './learning.js';
import type { LoggedEvent, ReadModel } from './read-model.js';
import { type SalesEvents, sales } from './sales.js';
import { type StorageAnalyticsEvents, storage } from './storage.js';

/** Everything analytics hears: business facts only, never live events, which repeat them. */
export type HeardEvents = AnalyticsEvents & SalesEvents & LearningAnalyticsEvents & StorageAnalyticsEvents;

/** The facts the seller and platform reports count, the sales rankings, learning's figures and drive's storage. */
// biome-ignore lint/suspicious/noExplicitAny: each model folds its own events; here they are only listed.
const READ_MODELS: ReadModel<any>[] = [facts, sales, learning, storage];

const HEARD = [...new Set(READ_MODELS.flatMap((model) => Object.keys(model.kept)))];

/**
 * What the log keeps of an event: the fields some read model reads, nothing else (no message excerpts, e-mail
 * addresses or client addresses), so a rebuild folds exactly what the live event did.
 */
export function keptOf(name: string, payload: unknown): Record<string, unknown> {
  const given = payload as Record<string, unknown>;
  const fields = new Set(READ_MODELS.flatMap((model) => (model.kept[name] ?? []) as string[]));
  return Object.fromEntries([...fields].filter((field) => field in given).map((field) => [field, given[field]]));
}

async function fold(em: EntityManager, event: LoggedEvent) {
  for (const model of READ_MODELS) await model.fold[event.name]?.(em, event.payload, event);
}

/**
 * The read models' input, kept: every event analytics hears goes into its own log (the bus keeps a week), and is
 * folded into every read model that reads it, in one transaction. Each model keys its rows by what they are, so an
 * event told twice, or out of order, changes no figure; a rebuild folds the log through the same models.
 */
export function projectionHandlers(): EventHandlers<HeardEvents, Record<string, never>> {
  const record = async (_payload: unknown, { em, event }: { em: EntityManager; event: DomainEvent }) => {
    const kept: LoggedEvent = {
      id: event.id,
      name: event.name,
      occurredAt: new Date(event.occurredAt),
      payload: keptOf(event.name, event.payload),
    };
    await em.execute(
      `insert into ${table(em, 'event_log')} (event_id, name, occurred_at, payload, received_at)
       values (?, ?, ?, ?, now()) on conflict (event_id) do nothing`,
      [kept.id, kept.name, kept.occurredAt, JSON.stringify(kept.payload)],
    );
    await fold(em, kept);
  };
  return Object.fromEntries(HEARD.map((name) => [name, record]));
}

const REBUILD_PAGE = 1000;

/** Throws the read models away and folds the whole log through them again, in one transaction. */
export async function rebuild(em: EntityManager): Promise<{ events: number; facts: number }> {
  return em.transactional(async (tx) => {
    const [{ locked }] = await tx.execute<{ locked: boolean }[]>(
      "select pg_try_advisory_xact_lock(hashtextextended('analytics-rebuild', 0)) as locked",
    );
    if (!locked) throw conflict('A rebuild is running already.');
    for (const model of READ_MODELS)
      for (const name of model.tables) await tx.execute(`delete from ${table(tx, name)}`);
    let events = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await tx.execute<{ event_id: string; name: string; occurred_at: Date; payload: unknown }[]>(
        `select event_id, name, occurred_at, payload from ${table(tx, 'event_log')} where event_id > ?
         order by event_id limit ?`,
        [after, REBUILD_PAGE],
      );
      for (const row of page)
        await fold(tx, {
          id: row.event_id,
          name: row.name,
          occurredAt: new Date(row.occurred_at),
          payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
        });
      events += page.length;
      if (page.length < REBUILD_PAGE) break;
      after = page.at(-1)!.event_id;
    }
    const [{ count }] = await tx.execute<{ count: number }[]>(
      `select count(*)::int as count from ${table(tx, 'facts')}`,
    );
    return { events, facts: count };
  });
}
