import { RequestContext } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { subgraphMetrics } from '../metrics.js';
import { contextFrom, inSpan, SpanKind } from '../tracing.js';
import type { ConsumeOptions, DomainEvent, EventBus, EventMap, Unsubscribe } from './event-bus.js';
import type { Outbox, Publish } from './outbox.js';

export interface HandlerContext<Published extends EventMap> {
  em: EntityManager;
  /** Records this subgraph's own events in the same transaction. */
  publish: Publish<Published>;
  event: DomainEvent;
  /**
   * Work for once this transaction has committed, before the event is acknowledged: an outside call
   * claimed in it (outside-call.ts). Its failure is logged, not retried with the event: the event's
   * work is committed, and the claim is the sweeper's to finish.
   */
  afterCommit(work: () => Promise<unknown>): void;
}

type Handle<Payload, Published extends EventMap> = (
  payload: Payload,
  context: HandlerContext<Published>,
) => Promise<void>;

/**
 * A handler, or one with `when`: events it is false for change nothing, so they are acknowledged
 * without a transaction or an inbox record. `when` must decide from the payload alone.
 */
export type EventHandlers<Consumed extends EventMap, Published extends EventMap> = {
  [K in keyof Consumed & string]?:
    | Handle<Consumed[K], Published>
    | { when: (payload: Consumed[K]) => boolean; handle: Handle<Consumed[K], Published> };
};

/**
 * Subscribes a subgraph's handlers under one durable consumer name. Each event runs in one
 * transaction with its inbox record and the events it causes, so a redelivered event changes
 * nothing twice.
 */
export async function consumeEvents<Consumed extends EventMap, Published extends EventMap>(options: {
  bus: EventBus;
  outbox: Outbox<Published>;
  consumer: string;
  handlers: EventHandlers<Consumed, Published>;
  logger: Logger;
}): Promise<Unsubscribe> {
  const { bus, outbox, consumer, handlers, logger } = options;
  const handleOne = async (event: DomainEvent): Promise<'skipped' | undefined> => {
    const entry = handlers[event.name as keyof Consumed & string] as EventHandlers<EventMap, Published>[string];
    if (!entry) return 'skipped';
    const { when, handle } = typeof entry === 'function' ? { when: null, handle: entry } : entry;
    if (when && !when(event.payload)) return 'skipped';
    const committed: (() => Promise<unknown>)[] = [];
    let duplicate = false;
    await RequestContext.create(outbox.orm.em, async () => {
      committed.length = 0;
      await outbox.transaction(async (em, publish) => {
        const claimed = await em.execute(
          `insert into "${outbox.schema}".processed_event (consumer, event_id) values (?, ?) on conflict do ` +
            `nothing returning event_id`,
          [consumer, event.id],
        );
        if (claimed.length === 0) {
          duplicate = true;
          return logger.debug({ consumer, eventId: event.id }, 'duplicate event skipped');
        }
        await handle(event.payload, { em, publish, event, afterCommit: (work) => void committed.push(work) });
      }, event.requestId);
      for (const work of committed) {
        await work().catch((err: unknown) =>
          logger.warn(
            { err, consumer, event: event.name, eventId: event.id },
            'work after an event failed; its sweeper finishes it',
          ),
        );
      }
    }).catch((err) => {
      logger.warn({ err, consumer, event: event.name, eventId: event.id }, 'event handler failed');
      throw err;
    });
    return duplicate ? 'skipped' : undefined;
  };
  // The outbox's schema is the subgraph's name.
  return consumeObserved(bus, outbox.schema, consumer, Object.keys(handlers), handleOne);
}

/**
 * Subscribes `handle` to the bus as `consumer` of `subgraph`, observed: each event is handled in a consumer span that
 * continues the trace of whoever published it (its context rode in the event's headers), and counted in the
 * subgraph's figures (handled, failed or skipped; duration; redeliveries, dead letters and lag). Every bus
 * subscription of a subgraph goes through here; `handle` returns 'skipped' for an event it had nothing to do for.
 */
export function consumeObserved(
  bus: EventBus,
  subgraph: string,
  consumer: string,
  eventNames: string[],
  handle: (event: DomainEvent) => Promise<unknown>,
  options: ConsumeOptions = {},
): Promise<Unsubscribe> {
  const metrics = subgraphMetrics(subgraph);
  const observed = metrics.observeConsumer(consumer, () => bus.pending(consumer));
  return bus.consume(
    consumer,
    eventNames,
    async (event) => {
      const started = performance.now();
      try {
        const outcome = await inSpan(
          `${event.name} process`,
          {
            kind: SpanKind.CONSUMER,
            parent: contextFrom(event.traceContext),
            attributes: { 'messaging.consumer.group.name': consumer, 'messaging.message.id': event.id },
          },
          () => handle(event),
        );
        metrics.eventsHandled.inc({ consumer, outcome: outcome === 'skipped' ? 'skipped' : 'ok' });
      } catch (error) {
        metrics.eventsHandled.inc({ consumer, outcome: 'failed' });
        throw error;
      } finally {
        metrics.eventDuration.observe({ consumer }, (performance.now() - started) / 1000);
      }
    },
    { ...options, ...observed },
  );
}
