import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/database.js';
import { uuidv7 } from '../ids.js';
import type { Logger } from '../logger.js';
import type { DomainEvent, EventBus, EventMap } from './event-bus.js';

export type Publish<E extends EventMap> = <K extends keyof E & string>(name: K, payload: E[K]) => void;

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
    const result = await (this.orm.em as EntityManager).transactional(async (em) => {
      const events: DomainEvent[] = [];
      const publish: Publish<E> = (name, payload) =>
        events.push({ id: uuidv7(), name, payload: payload as Record<string, unknown>, occurredAt: new Date().toISOString(), requestId });
      const value = await work(em, publish);
      await em.flush();
      // One statement per 500 events: an announcement to thousands of users stays a few round trips.
      for (let start = 0; start < events.length; start += 500) {
        const chunk = events.slice(start, start + 500);
        await em.execute(
          `insert into ${this.table} (id, name, payload, request_id, occurred_at) values ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flatMap((event) => [event.id, event.name, JSON.stringify(event.payload), event.requestId ?? null, event.occurredAt]),
        );
      }
      return value;
    });
    void this.flush();
    return result;
  }

  /**
   * Publishes everything committed and unpublished, oldest first. Calls made while a relay runs
   * share one more relay after it, which sees their commits; the running one may not.
   */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.draining) {
      return (this.queued ??= this.draining.then(() => {
        this.queued = null;
        return this.flush();
      }));
    }
    this.draining = this.drain()
      .catch((err) => this.logger.warn({ err }, 'outbox relay will retry'))
      .finally(() => (this.draining = null));
    return this.draining;
  }

  async close() {
    this.closed = true;
    clearInterval(this.timer);
    await (this.queued ?? this.draining);
  }

  private async drain() {
    for (;;) {
      const published = await (this.orm.em.fork() as EntityManager).transactional(async (em) => {
        const rows = await em.execute<{ id: string; name: string; payload: Record<string, unknown>; request_id: string | null; occurred_at: Date }[]>(
          `select id, name, payload, request_id, occurred_at from ${this.table}
           order by seq limit 500 for update skip locked`,
        );
        // Sent back to back, in order, on one connection; then every acknowledgement is awaited.
        await Promise.all(
          rows.map((row) =>
            this.bus.publish({
              id: row.id,
              name: row.name,
              payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
              occurredAt: new Date(row.occurred_at).toISOString(),
              ...(row.request_id ? { requestId: row.request_id } : {}),
            }),
          ),
        );
        // Handed over: JetStream keeps the event now. Deleting the row also means secrets some events
        // carry (verification codes) do not stay at rest in the database.
        if (rows.length) await em.execute(`delete from ${this.table} where id in (${rows.map(() => '?').join(',')})`, rows.map((r) => r.id));
        return rows.length;
      });
      if (published < 500) return;
    }
  }
}
