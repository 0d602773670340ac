import { RequestContext } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { subgraphMetrics } from '../metrics.js';
import { contextFrom, inSpan, SpanKind } from '../tracing.js';
import type { DomainEvent, EventBus, EventMap, Unsubscribe } from './event-bus.js';
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
  // The outbox's schema is the subgraph's name.
  const metrics = subgraphMetrics(outbox.schema);
  const observed = metrics.observeConsumer(consumer, () => bus.pending(consumer));
  const handleOne = async (event: DomainEvent) => {
    const entry = handlers[event.name as keyof Consumed & string] as EventHandlers<EventMap, Published>[string];
    if (!entry) return;
    const { when, handle } = typeof entry === 'function' ? { when: null, handle: entry } : entry;
    if (when && !when(event.payload)) return void metrics.eventsHandled.inc({ consumer, outcome: 'skipped' });
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
    metrics.eventsHandled.inc({ consumer, outcome: duplicate ? 'skipped' : 'ok' });
  };
  return bus.consume(
    consumer,
    Object.keys(handlers),
    async (event) => {
      const started = performance.now();
      try {
        // A consumer span in the trace of whoever published the event (its context rode in the event's headers).
        await inSpan(
          `${event.name} process`,
          {
            kind: SpanKind.CONSUMER,
            parent: contextFrom(event.traceContext),
            attributes: { 'messaging.consumer.group.name': consumer, 'messaging.message.id': event.id },
          },
          () => handleOne(event),
        );
      } catch (error) {
        metrics.eventsHandled.inc({ consumer, outcome: 'failed' });
        throw error;
      } finally {
        metrics.eventDuration.observe({ consumer }, (performance.now() - started) / 1000);
      }
    },
    observed,
  );
}
