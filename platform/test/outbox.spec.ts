import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Orm } from '@peerlink/platform/db/database';
import { consumeEvents, type EventHandlers } from '@peerlink/platform/events/consumer';
import { pruneInbox } from '@peerlink/platform/events/inbox';
import type { DomainEvent, EventHandler } from '@peerlink/platform/events/event-bus';
import { InProcessEventBus } from '@peerlink/platform/events/in-process-event-bus';
import { Outbox } from '@peerlink/platform/events/outbox';
import { uuidv7 } from '@peerlink/platform/ids';
import { createLogger } from '@peerlink/platform/logger';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const logger = createLogger({ level: 'silent', service: 'outbox-test' });

@Entity({ tableName: 'widgets' })
class Widget {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  name!: string;
}

class Migration20260101000000_widgets extends Migration {
  override async up() {
    this.addSql(`create table "${this.config.get('schema')}".widgets (id uuid primary key, name text not null)`);
  }
}

type WidgetEvents = {
  'test.widget.created': { widgetId: string };
  'test.widget.welcomed': { widgetId: string };
};

/** A real in-process bus that also records what it was asked to publish and which deliveries finished. */
class ObservedBus extends InProcessEventBus {
  readonly published: DomainEvent[] = [];
  readonly handled: DomainEvent[] = [];
  /** Publishes to refuse before working again, as a broker that is briefly away. */
  refusals = 0;

  constructor() {
    super({ maxAttempts: 3, baseDelayMs: 20 });
  }

  override async publish(event: DomainEvent) {
    if (this.refusals > 0) {
      this.refusals--;
      throw new Error('the broker is away');
    }
    this.published.push(event);
    await super.publish(event);
  }

  override async consume(name: string, eventNames: string[], handler: EventHandler) {
    return super.consume(name, eventNames, async (event) => {
      await handler(event);
      this.handled.push(event);
    });
  }
}

const database = `peerlink_test_outbox_${randomBytes(6).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-outbox-'));
let orm: Orm;

beforeAll(async () => {
  await admin(`create database "${database}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  orm = await openDatabase({
    name: 'outbox_test',
    entities: [Widget],
    migrations: [{ name: 'Migration20260101000000_widgets', class: Migration20260101000000_widgets }],
    databaseUrl: url.toString(),
    dataDir,
    logger,
  });
  await migrate(orm);
});

afterAll(async () => {
  await orm?.close(true);
  await admin(`drop database if exists "${database}" with (force)`);
  rmSync(dataDir, { recursive: true, force: true });
});

/** A bus and an outbox that relays to it, closed after the test. */
async function withOutbox(test: (outbox: Outbox<WidgetEvents>, bus: ObservedBus) => Promise<void>) {
  const bus = new ObservedBus();
  // A long poll: every relay in these tests comes from a commit or an explicit flush.
  const outbox = new Outbox<WidgetEvents>(orm, bus, logger, 60_000);
  try {
    await test(outbox, bus);
  } finally {
    await outbox.close();
    await bus.close();
  }
}

const createWidget = (name: string) => Object.assign(new Widget(), { id: uuidv7(), name });

async function count(sql: string, params: unknown[] = []) {
  const [row] = await orm.em.fork().getConnection().execute<{ count: string }[]>(sql, params);
  return Number(row!.count);
}

describe('Outbox', () => {
  it('never publishes the events of a transaction that throws', async () => {
    await withOutbox(async (outbox, bus) => {
      const widget = createWidget('doomed');
      await expect(
        outbox.transaction(async (em, publish) => {
          em.persist(widget);
          publish('test.widget.created', { widgetId: widget.id });
          await em.flush();
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');

      await outbox.flush();
      expect(bus.published).toEqual([]);
      expect(await count('select count(*) from outbox_test.widgets where id = ?', [widget.id])).toBe(0);
      expect(await count(`select count(*) from outbox_test.outbox where payload->>'widgetId' = ?`, [widget.id])).toBe(
        0,
      );
    });
  });

  it('publishes nothing from a transaction nested in one that rolls back', async () => {
    await withOutbox(async (outbox, bus) => {
      const widgetId = uuidv7();
      await expect(
        outbox.transaction(async () => {
          await outbox.transaction(async (_em, publish) => publish('test.widget.created', { widgetId }));
          throw new Error('the outer transaction fails');
        }),
      ).rejects.toThrow('the outer transaction fails');

      await outbox.flush();
      expect(bus.published.filter((e) => e.payload.widgetId === widgetId)).toEqual([]);
      expect(await count(`select count(*) from outbox_test.outbox where payload->>'widgetId' = ?`, [widgetId])).toBe(0);
    });
  });

  it('publishes a nested transaction’s events once, after the transaction around it commits', async () => {
    await withOutbox(async (outbox, bus) => {
      const [inner, outer] = [uuidv7(), uuidv7()];
      await outbox.transaction(async (_em, publish) => {
        await outbox.transaction(async (_nested, publishNested) =>
          publishNested('test.widget.created', { widgetId: inner }),
        );
        expect(bus.published.filter((e) => e.payload.widgetId === inner)).toEqual([]);
        publish('test.widget.created', { widgetId: outer });
      });

      await waitFor('both events', () =>
        [inner, outer].every((id) => bus.published.some((e) => e.payload.widgetId === id)),
      );
      await outbox.flush();
      expect(bus.published.filter((e) => e.payload.widgetId === inner || e.payload.widgetId === outer)).toHaveLength(2);
    });
  });

  it('publishes the events of a committed transaction exactly once', async () => {
    await withOutbox(async (outbox, bus) => {
      const widget = createWidget('keeper');
      const result = await outbox.transaction(async (em, publish) => {
        em.persist(widget);
        publish('test.widget.created', { widgetId: widget.id });
        return 'saved';
      }, 'request-1');
      expect(result).toBe('saved');

      const [event] = await waitFor('the relayed event', () =>
        nonEmpty(bus.published.filter((e) => e.payload.widgetId === widget.id)),
      );
      expect(event).toMatchObject({
        name: 'test.widget.created',
        payload: { widgetId: widget.id },
        requestId: 'request-1',
      });
      await waitFor(
        'the outbox row to be removed once handed over',
        async () => (await count('select count(*) from outbox_test.outbox where id = ?', [event!.id])) === 0,
      );

      // Later relays, concurrent ones included, leave published events alone.
      await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()]);
      await outbox.flush();
      expect(bus.published.filter((e) => e.id === event!.id)).toHaveLength(1);
      expect(await count('select count(*) from outbox_test.widgets where id = ?', [widget.id])).toBe(1);
    });
  });

  it('relays, on flush, the rows another instance or a crash left in the table', async () => {
    await withOutbox(async (outbox, bus) => {
      const id = uuidv7();
      const widgetId = uuidv7();
      await orm.em
        .fork()
        .getConnection()
        .execute(
          `insert into outbox_test.outbox (id, name, payload, request_id, occurred_at) values (?, ` +
            `'test.widget.created', ?, null, now())`,
          [id, JSON.stringify({ widgetId })],
        );

      await outbox.flush();
      expect(bus.published.filter((e) => e.id === id)).toEqual([
        expect.objectContaining({ name: 'test.widget.created', payload: { widgetId } }),
      ]);
      expect(await count('select count(*) from outbox_test.outbox where id = ?', [id])).toBe(0);
    });
  });

  it('keeps the trace an event continues with its row, for a relay after a crash', async () => {
    await withOutbox(async (outbox, bus) => {
      const id = uuidv7();
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await orm.em
        .fork()
        .getConnection()
        .execute(
          `insert into outbox_test.outbox (id, name, payload, request_id, occurred_at, trace_context) values (?, ` +
            `'test.widget.created', '{}', null, now(), ?)`,
          [id, JSON.stringify({ traceparent })],
        );

      await outbox.flush();
      const [relayed] = bus.published.filter((e) => e.id === id);
      // Same trace; with no tracer registered the producer span is the row's own context passed on.
      expect(relayed?.traceContext?.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    });
  });

  it('after a failed publish, relays the events left behind before any committed later', async () => {
    await withOutbox(async (outbox, bus) => {
      const [first, second] = [createWidget('left behind'), createWidget('later')];
      bus.refusals = 1;
      await outbox.transaction(async (em, publish) => {
        em.persist(first);
        publish('test.widget.created', { widgetId: first.id });
      });
      await waitFor('the refused publish', () => bus.refusals === 0);
      await outbox.transaction(async (em, publish) => {
        em.persist(second);
        publish('test.widget.created', { widgetId: second.id });
      });
      await waitFor('both events', () => bus.published.length >= 2);
      expect(bus.published.map((e) => e.payload.widgetId)).toEqual([first.id, second.id]);
    });
  });

  it('relays events committed while a relay is already running when flush() resolves', async () => {
    await withOutbox(async (outbox, bus) => {
      const widgets = Array.from({ length: 5 }, (_, i) => createWidget(`batch ${i}`));
      await Promise.all(
        widgets.map((widget) =>
          outbox.transaction(async (em, publish) => {
            em.persist(widget);
            publish('test.widget.created', { widgetId: widget.id });
          }),
        ),
      );
      await outbox.flush();
      const relayed = bus.published.map((e) => e.payload.widgetId);
      expect(relayed).toEqual(expect.arrayContaining(widgets.map((w) => w.id)));
      expect(relayed).toHaveLength(widgets.length);
    });
  });
});

describe('consumeEvents', () => {
  it('runs the handler once for an event delivered twice, with the events it causes recorded once', async () => {
    // Two instances sharing the consumer name both get the event, as after a broker redelivery.
    const first = new ObservedBus();
    const second = new ObservedBus();
    await withOutbox(async (outbox, relayed) => {
      let runs = 0;
      const handlers: EventHandlers<WidgetEvents, WidgetEvents> = {
        'test.widget.created': async ({ widgetId }, { em, publish }) => {
          runs += 1;
          em.persist(createWidget(`copy of ${widgetId}`));
          publish('test.widget.welcomed', { widgetId });
        },
      };
      const stops = await Promise.all(
        [first, second].map((bus) =>
          consumeEvents<WidgetEvents, WidgetEvents>({ bus, outbox, consumer: 'copier', handlers, logger }),
        ),
      );

      const event: DomainEvent = {
        id: uuidv7(),
        name: 'test.widget.created',
        occurredAt: new Date().toISOString(),
        payload: { widgetId: uuidv7() },
      };
      await Promise.all([first.publish(event), second.publish(event)]);
      await waitFor('both deliveries to finish', () => first.handled.length === 1 && second.handled.length === 1);

      expect(runs).toBe(1);
      expect(
        await count(`select count(*) from outbox_test.widgets where name = ?`, [`copy of ${event.payload.widgetId}`]),
      ).toBe(1);
      expect(
        await count('select count(*) from outbox_test.processed_event where consumer = ? and event_id = ?', [
          'copier',
          event.id,
        ]),
      ).toBe(1);
      await waitFor('the caused event to be relayed', () =>
        relayed.published.some((e) => e.name === 'test.widget.welcomed'),
      );
      expect(relayed.published.filter((e) => e.payload.widgetId === event.payload.widgetId)).toHaveLength(1);
      for (const stop of stops) await stop();
    });
    await first.close();
    await second.close();
  });

  it('acknowledges events its `when` rejects without running the handler or keeping an inbox record', async () => {
    const bus = new ObservedBus();
    await withOutbox(async (outbox) => {
      const wanted = uuidv7();
      const seen: string[] = [];
      const stop = await consumeEvents<WidgetEvents, WidgetEvents>({
        bus,
        outbox,
        consumer: 'picky',
        handlers: {
          'test.widget.created': {
            when: ({ widgetId }) => widgetId === wanted,
            handle: async ({ widgetId }) => void seen.push(widgetId),
          },
        },
        logger,
      });

      const events = [uuidv7(), wanted].map(
        (widgetId): DomainEvent => ({
          id: uuidv7(),
          name: 'test.widget.created',
          occurredAt: new Date().toISOString(),
          payload: { widgetId },
        }),
      );
      for (const event of events) await bus.publish(event);
      await waitFor('both deliveries', () => bus.handled.length === 2);

      expect(seen).toEqual([wanted]);
      expect(await count('select count(*) from outbox_test.processed_event where consumer = ?', ['picky'])).toBe(1);
      await stop();
    });
    await bus.close();
  });

  it('forgets the inbox record of a handler that failed, so the retry runs it', async () => {
    const bus = new ObservedBus();
    await withOutbox(async (outbox) => {
      let runs = 0;
      const stop = await consumeEvents<WidgetEvents, WidgetEvents>({
        bus,
        outbox,
        consumer: 'stubborn',
        handlers: {
          'test.widget.created': async ({ widgetId }, { em }) => {
            runs += 1;
            em.persist(createWidget(`retried ${widgetId}`));
            await em.flush();
            if (runs === 1) throw new Error('first attempt fails after writing');
          },
        },
        logger,
      });

      const event: DomainEvent = {
        id: uuidv7(),
        name: 'test.widget.created',
        occurredAt: new Date().toISOString(),
        payload: { widgetId: uuidv7() },
      };
      await bus.publish(event);
      await waitFor('the retried delivery', () => bus.handled.length === 1);

      expect(runs).toBe(2);
      expect(
        await count(`select count(*) from outbox_test.widgets where name = ?`, [`retried ${event.payload.widgetId}`]),
      ).toBe(1);
      expect(await bus.deadLetters()).toEqual([]);
      await stop();
    });
    await bus.close();
  });
});

describe('pruneInbox', () => {
  /** Inbox rows of `consumer`, processed `daysAgo` days ago. */
  async function processed(consumer: string, daysAgo: number, how = 1) {
    const ids = Array.from({ length: how }, () => uuidv7());
    for (const id of ids) {
      await orm.em
        .fork()
        .getConnection()
        .execute(
          `insert into outbox_test.processed_event (consumer, event_id, processed_at) values (?, ?, now() - ` +
            `? * interval '1 day')`,
          [consumer, id, daysAgo],
        );
    }
    return ids;
  }
  const remembered = (consumer: string) =>
    count('select count(*) from outbox_test.processed_event where consumer = ?', [consumer]);

  it('forgets events processed before the retention, in batches, and still skips a redelivered recent one', async () => {
    const old = await processed('forgetful', 8, 5);
    const [recent] = await processed('forgetful', 6.9);
    await processed('forgetful', 0);

    // Batches of two: three statements for five old rows.
    expect(await pruneInbox(orm.em.fork() as EntityManager, 7, 2)).toBe(old.length);
    expect(
      await count('select count(*) from outbox_test.processed_event where event_id = any(?::uuid[])', [
        `{${old.join(',')}}`,
      ]),
    ).toBe(0);
    expect(await remembered('forgetful')).toBe(2);

    const bus = new ObservedBus();
    await withOutbox(async (outbox) => {
      let runs = 0;
      const stop = await consumeEvents<WidgetEvents, WidgetEvents>({
        bus,
        outbox,
        consumer: 'forgetful',
        handlers: { 'test.widget.created': async () => void runs++ },
        logger,
      });
      await bus.publish({
        id: recent!,
        name: 'test.widget.created',
        occurredAt: new Date().toISOString(),
        payload: { widgetId: uuidv7() },
      });
      await waitFor('the redelivered event', () => bus.handled.length === 1);
      expect(runs).toBe(0);
      await stop();
    });
    await bus.close();
  });

  it('finds the rows to forget through an index on when they were processed', async () => {
    expect(
      await count(
        `select count(*) from pg_indexes where schemaname = 'outbox_test' and tablename = 'processed_event' ` +
          `and indexdef like '%USING btree (processed_at)'`,
      ),
    ).toBe(1);
  });
});

const nonEmpty = <T>(items: T[]) => (items.length ? items : null);

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
