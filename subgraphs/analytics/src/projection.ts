import type { EntityManager } from '@mikro-orm/postgresql';
import { table } from '@peerlink/platform/db/sql';
import { conflict } from '@peerlink/platform/errors';
import type { DomainEvent } from '@peerlink/platform/events/event-bus';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import { ANALYTICS_EVENT_NAMES, type AnalyticsEvents, type Fact, factsOf, keptOf, type LoggedEvent } from './facts.js';

/**
 * The read models' input, kept: every event analytics hears goes into its own log (the bus keeps a
 * week) with the facts it makes, in one transaction. Facts are keyed by what they are, so an event
 * told twice, or out of order, changes no figure; a rebuild folds the log through the same projection.
 */
export function projectionHandlers(): EventHandlers<AnalyticsEvents, Record<string, never>> {
  const record = async (_payload: unknown, { em, event }: { em: EntityManager; event: DomainEvent }) => {
    const kept = { ...event, payload: keptOf(event.name, event.payload), occurredAt: new Date(event.occurredAt) };
    await em.execute(
      `insert into ${table(em, 'event_log')} (event_id, name, occurred_at, payload, received_at)
       values (?, ?, ?, ?, now()) on conflict (event_id) do nothing`,
      [event.id, event.name, kept.occurredAt, JSON.stringify(kept.payload)],
    );
    await storeFacts(em, factsOf(kept));
  };
  return Object.fromEntries(ANALYTICS_EVENT_NAMES.map((name) => [name, record]));
}

async function storeFacts(em: EntityManager, facts: Fact[]) {
  for (const fact of facts)
    await em.execute(
      `insert into ${table(em, 'facts')} (key, kind, subject_id, actor_id, amount, currency, occurred_at, event_id)
       values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (key) do nothing`,
      [fact.key, fact.kind, fact.subjectId, fact.actorId, fact.amount, fact.currency, fact.occurredAt, fact.eventId],
    );
}

const REBUILD_PAGE = 1000;

/** Throws the read models away and folds the whole log through the projection again, in one transaction. */
export async function rebuild(em: EntityManager): Promise<{ events: number; facts: number }> {
  return em.transactional(async (tx) => {
    const [{ locked }] = await tx.execute<{ locked: boolean }[]>(
      "select pg_try_advisory_xact_lock(hashtextextended('analytics-rebuild', 0)) as locked",
    );
    if (!locked) throw conflict('A rebuild is running already.');
    await tx.execute(`delete from ${table(tx, 'facts')}`);
    let events = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await tx.execute<{ event_id: string; name: string; occurred_at: Date; payload: unknown }[]>(
        `select event_id, name, occurred_at, payload from ${table(tx, 'event_log')} where event_id > ?
         order by event_id limit ?`,
        [after, REBUILD_PAGE],
      );
      for (const row of page) {
        const logged: LoggedEvent = {
          id: row.event_id,
          name: row.name,
          occurredAt: new Date(row.occurred_at),
          payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
        };
        await storeFacts(tx, factsOf(logged));
      }
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
