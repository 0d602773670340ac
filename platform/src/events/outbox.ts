import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/database.js';
import { uuidArray } from '../db/sql.js';
import { uuidv7 } from '../ids.js';
import type { Logger } from '../logger.js';
import { subgraphMetrics } from '../metrics.js';
import { contextFrom, SpanKind, traceCarrier, tracer } from '../tracing.js';
import type { DomainEvent, EventBus, EventMap } from './event-bus.js';
import { context as tracingContext, ROOT_CONTEXT, trace } from '@opentelemetry/api';

export type Publish<E extends EventMap> = <K extends keyof E & string>(name: K, payload: E[K]) => void;

const BATCH = 500;

/**
 * The transactional outbox. A service changes state and records its events in one transaction;
 * the relay hands committed events to the bus afterwards, so an event is never published for a
 * change that rolled back, and never lost for one that committed.
 */
export class Outbox<E extends EventMap> {
  private draining: Promise<void> | null = null;
  /** After close() nothing new starts: what is left is published by the next start (or another instance). */
  private closed = false;
  private queued: Promise<void> | null = null;
  /** Whether the queued relay also reads the table (a flush or poll asked while one ran). */
  private queuedReadsTable = false;
  /**
   * Events this process committed and has not handed over yet. The relay publishes them as they
   * are, without reading their rows back; the rows stay until then, for the poll to find after a
   * crash or a failed publish.
   */
  private committed: DomainEvent[] = [];
  /** A publish failed: the table holds events older than any committed since, to be relayed first. */
  private behind = false;
  /** By a transaction's entity manager, the events its nested outbox transactions recorded: they relay with its own. */
  private readonly nestedIn = new WeakMap<EntityManager, DomainEvent[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly orm: Orm,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    pollMs = 1000,
  ) {
    // The poll catches events left by a crash between commit and relay, or by another instance.
    this.timer = setInterval(() => this.flush(), pollMs).unref();
  }

  get schema(): string {
    return this.orm.config.get('schema')!;
  }

  private get table() {
    return `"${this.schema}".outbox`;
  }

  /** Runs `work` in a transaction on the request's entity manager; its events publish after commit. */
  async transaction<T>(work: (em: EntityManager, publish: Publish<E>) => Promise<T>, requestId?: string): Promise<T> {
    // Nested in another transaction, nothing is committed until that one is: its events wait with it.
    const context = (this.orm.em as EntityManager).getContext(false);
    const outer = this.nestedIn.get(context);
    const nested = outer !== undefined || context.isInTransaction();
    const events: DomainEvent[] = [];
    const fromNested: DomainEvent[] = [];
    const result = await context.transactional(async (em) => {
      this.nestedIn.set(em, fromNested);
      const publish: Publish<E> = (name, payload) =>
        events.push({
          id: uuidv7(),
          name,
          payload: payload as Record<string, unknown>,
          occurredAt: new Date().toISOString(),
          requestId,
          // The span that caused it (a resolver, a consumer): the event's handling continues its trace.
          traceContext: traceCarrier(),
        });
      const value = await work(em, publish);
      await em.flush();
      // One statement per 500 events: an announcement to thousands of users stays a few round trips.
      for (let start = 0; start < events.length; start += BATCH) {
        const chunk = events.slice(start, start + BATCH);
        await em.execute(
          `insert into ${this.table} (id, name, payload, request_id, occurred_at, trace_context) values ` +
            `${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flatMap((event) => [
            event.id,
            event.name,
            JSON.stringify(event.payload),
            event.requestId ?? null,
            event.occurredAt,
            event.traceContext ? JSON.stringify(event.traceContext) : null,
          ]),
        );
      }
      return value;
    });
    const recorded = [...events, ...fromNested];
    if (outer) outer.push(...recorded);
    // Committed, unless under a transaction not the outbox's (then the poll relays them once it commits).
    else if (!nested && recorded.length && !this.closed) {
      this.committed.push(...recorded);
      // Outside the caller's trace: the relay serves every transaction, and each event carries its own trace on.
      tracingContext.with(ROOT_CONTEXT, () => void this.relay(false));
    }
    return result;
  }

  /**
   * Publishes everything committed and unpublished, oldest first: this process's own events, then
   * whatever the table still holds. Calls made while a relay runs share one more relay after it,
   * which sees their commits; the running one may not.
   */
  flush(): Promise<void> {
    return this.relay(true);
  }

  async close() {
    this.closed = true;
    clearInterval(this.timer);
    await (this.queued ?? this.draining);
  }

  private relay(readTable: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.draining) {
      this.queuedReadsTable ||= readTable;
      this.queued ??= this.draining.then(() => {
        this.queued = null;
        const next = this.queuedReadsTable;
        this.queuedReadsTable = false;
        return this.relay(next);
      });
      return this.queued;
    }
    this.draining = this.drain(readTable)
      .catch((err) => this.logger.warn({ err }, 'outbox relay will retry'))
      .finally(() => (this.draining = null));
    return this.draining;
  }

  private async drain(readTable: boolean) {
    // After a failed publish, older events wait in the table: they go first, in order, before anything newer from
    // memory.
    if (this.behind) {
      await this.drainTable();
      this.behind = false;
    }
    await this.drainCommitted();
    if (readTable) await this.drainTable();
  }

  /** This process's committed events, straight from memory: one delete per batch, no transaction. */
  private async drainCommitted() {
    while (this.committed.length) {
      const batch = this.committed.splice(0, BATCH);
      try {
        await this.publishAll(batch);
      } catch (err) {
        // Their rows are committed: the next relay reads them back, oldest first, and tries again.
        this.committed = [];
        this.behind = true;
        throw err;
      }
      await this.deleteRows(
        this.orm.em.fork() as EntityManager,
        batch.map((e) => e.id),
      );
    }
  }

  /** Rows committed by a process that crashed before relaying them, or by another instance. */
  private async drainTable() {
    for (;;) {
      const published = await (this.orm.em.fork() as EntityManager).transactional(async (em) => {
        const rows = await em.execute<
          {
            id: string;
            name: string;
            payload: Record<string, unknown>;
            request_id: string | null;
            occurred_at: Date;
            trace_context: DomainEvent['traceContext'] | string | null;
          }[]
        >(
          `select id, name, payload, request_id, occurred_at, trace_context from ${this.table}
           order by seq limit ${BATCH} for update skip locked`,
        );
        await this.publishAll(
          rows.map((row) => ({
            id: row.id,
            name: row.name,
            payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
            occurredAt: new Date(row.occurred_at).toISOString(),
            ...(row.request_id ? { requestId: row.request_id } : {}),
            ...(row.trace_context
              ? {
                  traceContext:
                    typeof row.trace_context === 'string' ? JSON.parse(row.trace_context) : row.trace_context,
                }
              : {}),
          })),
        );
        if (rows.length)
          await this.deleteRows(
            em,
            rows.map((r) => r.id),
          );
        return rows;
      });
      // Committed here meanwhile and now published: not again from memory.
      if (this.committed.length && published.length) {
        const done = new Set(published.map((r) => r.id));
        this.committed = this.committed.filter((e) => !done.has(e.id));
      }
      if (published.length < BATCH) return;
    }
  }

  /** Sent back to back, in order, on one connection; then every acknowledgement is awaited. */
  private async publishAll(events: DomainEvent[]) {
    await Promise.all(events.map((event) => this.publishOne(event)));
    if (events.length) subgraphMetrics(this.schema).eventsPublished.inc(events.length);
  }

  /** A producer span under the span that recorded the event; the event carries the producer span on. */
  private async publishOne(event: DomainEvent) {
    if (!event.traceContext) return this.bus.publish(event);
    const parent = contextFrom(event.traceContext);
    const span = tracer().startSpan(
      `${event.name} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.destination.name': event.name, 'messaging.message.id': event.id },
      },
      parent,
    );
    try {
      // A process that does not trace passes the context on as it came.
      await this.bus.publish({
        ...event,
        traceContext: traceCarrier(trace.setSpan(parent, span)) ?? event.traceContext,
      });
    } finally {
      span.end();
    }
  }

  /**
   * Handed over: JetStream keeps the events now. Deleting the rows also means secrets some events
   * carry (verification codes) do not stay at rest in the database.
   */
  private async deleteRows(em: EntityManager, ids: string[]) {
    await em.execute(`delete from ${this.table} where id = any(?::uuid[])`, [uuidArray(ids)]);
  }
}
