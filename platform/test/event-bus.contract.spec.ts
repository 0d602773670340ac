import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEAD_LETTERED,
  MAX_DEAD_LETTER_PAGE,
  ReplayWindowExceeded,
  type DomainEvent,
  type EventBus,
  type EventPosition,
  type RetryPolicy,
} from '@peerlink/platform/events/event-bus';
import { InProcessEventBus } from '@peerlink/platform/events/in-process-event-bus';
import { NatsEventBus } from '@peerlink/platform/events/nats-event-bus';
import { InfrastructureUnavailable } from '@peerlink/platform/errors';
import { uuidv7 } from '@peerlink/platform/ids';
import { createLogger } from '@peerlink/platform/logger';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const retry: RetryPolicy = { maxAttempts: 3, baseDelayMs: 20 };
const logger = createLogger({ level: 'silent', service: 'event-bus-test' });

interface Adapter {
  name: string;
  open(): Promise<{ bus: EventBus; dispose(): Promise<void> }>;
}

/**
 * Every adapter must pass the same suite: code written against the in-process bus in embedded mode
 * then behaves the same on NATS in production.
 */
const adapters: Adapter[] = [
  {
    name: 'InProcessEventBus',
    async open() {
      const bus = new InProcessEventBus(retry);
      return { bus, dispose: () => bus.close() };
    },
  },
  {
    name: 'NatsEventBus',
    async open() {
      // A namespace per test: its own streams and durable consumers, deleted by destroy().
      const bus = await NatsEventBus.connect(NATS_URL, `test_${randomBytes(6).toString('hex')}`, retry, logger);
      return { bus, dispose: () => bus.destroy() };
    },
  },
];

const HAPPENED = 'test.thing.happened';
const REMOVED = 'test.thing.removed';

const newEvent = (name = HAPPENED, payload: Record<string, unknown> = {}): DomainEvent => ({
  id: uuidv7(),
  name,
  occurredAt: new Date().toISOString(),
  payload,
});

/** A handler that records what it was given. */
function recorder() {
  const events: DomainEvent[] = [];
  return {
    events,
    ids: () => events.map((e) => e.id),
    handler: async (event: DomainEvent) => void events.push(event),
    listener: (event: DomainEvent) => void events.push(event),
  };
}

describe.each(adapters)('EventBus contract: $name', ({ open }) => {
  let bus: EventBus;
  let dispose: () => Promise<void>;

  beforeEach(async () => {
    ({ bus, dispose } = await open());
  });
  afterEach(async () => {
    await dispose();
  });

  describe('consume', () => {
    it('delivers a published event to a consumer of its name, and only of its name', async () => {
      const reader = recorder();
      await bus.consume('reader', [HAPPENED], reader.handler);

      await bus.publish(newEvent(REMOVED));
      const sent = newEvent(HAPPENED, { thingId: 'a', count: 2 });
      await bus.publish(sent);

      await waitFor('the event', () => reader.events.length === 1);
      expect(reader.events).toEqual([sent]);
    });

    it('delivers an event published twice under one id once', async () => {
      const reader = recorder();
      await bus.consume('reader', [HAPPENED], reader.handler);

      const sent = newEvent();
      await bus.publish(sent);
      await bus.publish(sent);
      // A consumer starts its events in the order they were stored, so once the later event is in, a duplicate would be
      // too.
      const later = newEvent();
      await bus.publish(later);

      await waitFor('the later event', () => reader.ids().includes(later.id));
      expect(reader.ids()).toEqual([sent.id, later.id]);
    });

    it('handles several events at once, so one slow handler does not hold up the rest', async () => {
      const started: string[] = [];
      let releaseFirst = () => {};
      const firstMayFinish = new Promise<void>((resolve) => (releaseFirst = resolve));
      const first = newEvent();
      await bus.consume('reader', [HAPPENED], async (event) => {
        started.push(event.id);
        if (event.id === first.id) await firstMayFinish;
      });
      await bus.publish(first);
      const second = newEvent();
      await bus.publish(second);
      try {
        await waitFor('the second event to start while the first is still running', () => started.includes(second.id));
      } finally {
        releaseFirst();
      }
    });

    it('gives every event to each consumer name', async () => {
      const billing = recorder();
      const mailing = recorder();
      await bus.consume('billing', [HAPPENED, REMOVED], billing.handler);
      await bus.consume('mailing', [HAPPENED], mailing.handler);

      const sent = [newEvent(), newEvent(), newEvent()];
      for (const event of sent) await bus.publish(event);

      await waitFor(
        'both consumers to have every event',
        () => billing.events.length === 3 && mailing.events.length === 3,
      );
      expect(billing.ids()).toEqual(sent.map((e) => e.id));
      expect(mailing.ids()).toEqual(sent.map((e) => e.id));
    });

    // JetStream keeps events in its stream for a new durable consumer. The embedded bus keeps its
    // recent ones for the same reason: in embedded mode one subgraph's outbox may relay before
    // another subgraph has subscribed, and the relay marks what it handed over as published.
    it('delivers events published before the consumer first subscribed', async () => {
      const early = [newEvent(), newEvent()];
      for (const event of early) await bus.publish(event);
      await bus.publish(newEvent(REMOVED));

      const latecomer = recorder();
      await bus.consume('latecomer', [HAPPENED], latecomer.handler);

      await waitFor('the events published earlier', () => latecomer.events.length === 2);
      expect(latecomer.ids()).toEqual(early.map((e) => e.id));
    });

    it('resumes a consumer where it stopped, without repeating what it handled', async () => {
      const reader = recorder();
      const stop = await bus.consume('reader', [HAPPENED], reader.handler);
      const before = newEvent();
      await bus.publish(before);
      await waitFor('the first event', () => reader.events.length === 1);
      await stop();

      const during = newEvent();
      await bus.publish(during);
      await bus.consume('reader', [HAPPENED], reader.handler);

      await waitFor('the event published while it was stopped', () => reader.ids().includes(during.id));
      expect(reader.ids()).toEqual([before.id, during.id]);
    });
  });

  describe('retries and dead letters', () => {
    it('retries a handler that throws until it succeeds', async () => {
      let calls = 0;
      const reader = recorder();
      await bus.consume('flaky', [HAPPENED], async (event) => {
        if (++calls < 2) throw new Error('not yet');
        await reader.handler(event);
      });

      const sent = newEvent();
      await bus.publish(sent);

      await waitFor('the retried event', () => reader.events.length === 1);
      expect(calls).toBe(2);
      expect(reader.events).toEqual([sent]);
      expect(await bus.deadLetters()).toEqual([]);
    });

    it('backs off between attempts and dead-letters the event after the last one', async () => {
      const calls: number[] = [];
      await bus.consume('fragile', [HAPPENED], async () => {
        calls.push(Date.now());
        throw new Error('the handler broke');
      });

      const sent = newEvent(HAPPENED, { thingId: 'x' });
      await bus.publish(sent);

      const [letter, ...others] = await waitFor('the dead letter', async () => nonEmpty(await bus.deadLetters()));
      expect(others).toEqual([]);
      expect(letter).toMatchObject({
        consumer: 'fragile',
        event: sent,
        error: 'the handler broke',
        attempts: retry.maxAttempts,
      });
      expect(typeof letter!.id).toBe('string');
      expect(Number.isNaN(Date.parse(letter!.failedAt))).toBe(false);
      expect(calls).toHaveLength(retry.maxAttempts);
      // The delay doubles: baseDelayMs before the second attempt, twice that before the third (a
      // millisecond of slack for timer rounding).
      const gaps = calls.slice(1).map((at, i) => at - calls[i]!);
      expect(gaps[0]).toBeGreaterThanOrEqual(retry.baseDelayMs - 1);
      expect(gaps[1]).toBeGreaterThanOrEqual(2 * retry.baseDelayMs - 1);
    });

    it('tells the consumer of each redelivery and of the event it gave up on', async () => {
      const redelivered: number[] = [];
      const given: string[] = [];
      await bus.consume(
        'noticed',
        [HAPPENED],
        async () => {
          throw new Error('the handler broke');
        },
        { onRedelivery: (_event, attempt) => redelivered.push(attempt), onDeadLetter: (event) => given.push(event.id) },
      );
      const sent = newEvent();
      await bus.publish(sent);
      await waitFor('the dead letter', async () => nonEmpty(await bus.deadLetters()));
      await waitFor('the notice of it', () => given.length === 1);
      expect(given).toEqual([sent.id]);
      expect(redelivered).toEqual([2, 3]);
    });

    it('tells of each event it gives up on with a platform.event.dead_lettered event, never of its own', async () => {
      const told = recorder();
      await bus.consume('watching', [DEAD_LETTERED], told.handler);
      await bus.consume('fragile', [HAPPENED, DEAD_LETTERED], async (event) => {
        throw new Error(`cannot handle ${event.name}`);
      });
      const sent = newEvent();
      await bus.publish(sent);
      await waitFor('the dead letter told', () => told.events.length === 1);
      expect(told.events[0]).toMatchObject({
        name: DEAD_LETTERED,
        payload: { consumer: 'fragile', eventId: sent.id, eventName: HAPPENED, attempts: retry.maxAttempts },
      });
      // 'fragile' failed on the telling too: that is a dead letter, and no further event.
      await waitFor('both dead letters', async () => (await bus.deadLetters()).length === 2);
      expect(told.events).toHaveLength(1);
    });

    it('counts what a consumer has not acknowledged yet as its lag', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const done: string[] = [];
      await bus.consume('lagging', [HAPPENED], async (event) => {
        await held;
        done.push(event.id);
      });
      expect(await bus.pending('lagging')).toBe(0);
      for (let i = 0; i < 3; i++) await bus.publish(newEvent());
      await waitFor('three events waiting', async () => (await bus.pending('lagging')) === 3);
      release();
      await waitFor('all three handled', () => done.length === 3);
      await waitFor('no lag left', async () => (await bus.pending('lagging')) === 0);
      expect(await bus.pending('nobody-by-this-name')).toBe(0);
    });

    it('carries an event’s trace context to its consumers and listeners', async () => {
      const consumed = recorder();
      const heard = recorder();
      await bus.consume('traced', [HAPPENED], consumed.handler);
      await bus.listen(HAPPENED, heard.listener);
      const traceContext = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
      const sent = { ...newEvent(), traceContext };
      await bus.publish(sent);
      await waitFor('the traced event', () => consumed.events.length === 1 && heard.events.length === 1);
      expect(consumed.events[0]!.traceContext).toEqual(traceContext);
      expect(heard.events[0]!.traceContext).toEqual(traceContext);
    });

    it('keeps retrying past the last attempt while shared infrastructure is away, then handles the event', async () => {
      let calls = 0;
      const reader = recorder();
      await bus.consume('needs-the-cache', [HAPPENED], async (event) => {
        if (++calls <= retry.maxAttempts + 1) throw new InfrastructureUnavailable('The cache is unavailable');
        await reader.handler(event);
      });

      const sent = newEvent();
      await bus.publish(sent);

      await waitFor('the event, once the cache is back', () => reader.events.length === 1);
      expect(calls).toBe(retry.maxAttempts + 2);
      expect(await bus.deadLetters()).toEqual([]);
    });

    it('replays a dead letter to its own consumer only, once, and forgets it', async () => {
      let broken = true;
      const fragile = recorder();
      const steady = recorder();
      await bus.consume('fragile', [HAPPENED], async (event) => {
        if (broken) throw new Error('down for maintenance');
        await fragile.handler(event);
      });
      await bus.consume('steady', [HAPPENED], steady.handler);

      const sent = newEvent();
      await bus.publish(sent);
      const [letter] = await waitFor('the dead letter', async () => nonEmpty(await bus.deadLetters()));
      await waitFor('the steady consumer to have the event', () => steady.events.length === 1);

      broken = false;
      expect(await bus.replayDeadLetter(letter!.id)).toBe(true);
      await waitFor('the replayed event', () => fragile.events.length === 1);
      expect(fragile.events).toEqual([sent]);
      expect(await bus.deadLetters()).toEqual([]);
      expect(await bus.replayDeadLetter(letter!.id)).toBe(false);

      // Had the replay reached the steady consumer too, it would be in before this later event.
      const later = newEvent();
      await bus.publish(later);
      await waitFor(
        'the later event everywhere',
        () => steady.ids().includes(later.id) && fragile.ids().includes(later.id),
      );
      expect(steady.ids()).toEqual([sent.id, later.id]);
      expect(fragile.ids()).toEqual([sent.id, later.id]);
    });

    it('lists dead letters oldest first, a page at a time, skipping one replayed meanwhile', async () => {
      let broken = true;
      const fragile = recorder();
      await bus.consume('fragile', [HAPPENED], async (event) => {
        if (broken) throw new Error('down for maintenance');
        await fragile.handler(event);
      });
      // One at a time, so the letters' order is the events'.
      const sent: DomainEvent[] = [];
      for (let i = 0; i < 5; i++) {
        sent.push(newEvent(HAPPENED, { i }));
        await bus.publish(sent[i]!);
        await waitFor(`dead letter ${i}`, async () => (await bus.deadLetters()).length === i + 1);
      }

      const all = await bus.deadLetters();
      expect(all.map((letter) => letter.event)).toEqual(sent);
      const ids = all.map((letter) => Number(letter.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      const first = await bus.deadLetters({ limit: 2 });
      const second = await bus.deadLetters({ limit: 2, after: first[1]!.id });
      const third = await bus.deadLetters({ limit: 2, after: second[1]!.id });
      expect([...first, ...second, ...third]).toEqual(all);
      expect(await bus.deadLetters({ limit: 2, after: third[0]!.id })).toEqual([]);

      broken = false;
      expect(await bus.replayDeadLetter(second[0]!.id)).toBe(true);
      await waitFor('the replayed event', () => fragile.events.length === 1);
      expect(await bus.deadLetters({ limit: 2, after: first[1]!.id })).toEqual([all[3], all[4]]);
    });

    it('refuses a dead-letter page size or position it does not know', async () => {
      await expect(bus.deadLetters({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
      await expect(bus.deadLetters({ limit: MAX_DEAD_LETTER_PAGE + 1 })).rejects.toBeInstanceOf(RangeError);
      await expect(bus.deadLetters({ after: 'not an id' })).rejects.toBeInstanceOf(RangeError);
      expect(await bus.deadLetters({ limit: MAX_DEAD_LETTER_PAGE, after: '12345' })).toEqual([]);
    });

    it('refuses to replay a dead letter it does not have', async () => {
      expect(await bus.replayDeadLetter('12345')).toBe(false);
      expect(await bus.replayDeadLetter(uuidv7())).toBe(false);
      expect(await bus.replayDeadLetter('not an id')).toBe(false);
    });
  });

  describe('listen', () => {
    it('fans live events out to every listener until it unsubscribes', async () => {
      const first = recorder();
      const second = recorder();
      const stopFirst = await bus.listen(HAPPENED, first.listener);
      const stopSecond = await bus.listen(HAPPENED, second.listener);

      const a = newEvent();
      await bus.publish(a);
      await bus.publish(newEvent(REMOVED));
      await waitFor('both listeners to hear the event', () => first.events.length === 1 && second.events.length === 1);
      expect(first.events).toEqual([a]);

      await stopFirst();
      const b = newEvent();
      await bus.publish(b);
      await waitFor('the remaining listener to hear the next event', () => second.ids().includes(b.id));
      expect(second.ids()).toEqual([a.id, b.id]);
      expect(first.ids()).toEqual([a.id]);
      await stopSecond();
    });

    it('keeps nothing for listeners that were not there', async () => {
      await bus.publish(newEvent());
      const late = recorder();
      const stop = await bus.listen(HAPPENED, late.listener);
      const b = newEvent();
      await bus.publish(b);

      await waitFor('the live event', () => late.events.length > 0);
      expect(late.ids()).toEqual([b.id]);
      await stop();
    });

    it('tells listeners about an event published twice under one id once', async () => {
      const listener = recorder();
      const stop = await bus.listen(HAPPENED, listener.listener);

      const sent = newEvent();
      await bus.publish(sent);
      await bus.publish(sent);
      const later = newEvent();
      await bus.publish(later);

      await waitFor('the later event', () => listener.ids().includes(later.id));
      expect(listener.ids()).toEqual([sent.id, later.id]);
      await stop();
    });
  });

  describe('positions and recent events', () => {
    const wide = { maxEvents: 100, maxAgeMs: 60_000 };
    const replayed = (events: { event: DomainEvent; position: EventPosition }[]) =>
      events.map(({ event, position }) => [event.id, position]);

    it('numbers events in the order stored, the same for listeners, head and recent', async () => {
      const heard: [string, EventPosition][] = [];
      const stop = await bus.listen(HAPPENED, (event, position) => void heard.push([event.id, position!]));
      const start = await bus.head();
      const sent = [newEvent(), newEvent(REMOVED), newEvent(), newEvent()];
      for (const event of sent) await bus.publish(event);
      await bus.publish(sent[0]!);

      await waitFor('the live events', () => heard.length === 3);
      await stop();
      expect(heard.map(([id]) => id)).toEqual([sent[0]!.id, sent[2]!.id, sent[3]!.id]);
      const positions = heard.map(([, position]) => position);
      expect(positions[0]).toBeGreaterThan(start);
      expect(positions[1]).toBeGreaterThan(positions[0]!);
      expect(positions[2]).toBeGreaterThan(positions[1]!);
      expect(await bus.head()).toBe(positions[2]);

      expect(replayed(await bus.recent(HAPPENED, start, wide))).toEqual(heard);
      expect(replayed(await bus.recent(HAPPENED, positions[0]!, wide))).toEqual(heard.slice(1));
      expect(await bus.recent(HAPPENED, positions[2]!, wide)).toEqual([]);
      expect((await bus.recent(REMOVED, start, wide)).map(({ event }) => event)).toEqual([sent[1]]);
    });

    it('refuses to read back more events than the window allows', async () => {
      const start = await bus.head();
      for (let i = 0; i < 3; i++) await bus.publish(newEvent());
      await bus.publish(newEvent(REMOVED));

      expect(await bus.recent(HAPPENED, start, { ...wide, maxEvents: 3 })).toHaveLength(3);
      await expect(bus.recent(HAPPENED, start, { ...wide, maxEvents: 2 })).rejects.toMatchObject({ reason: 'count' });
    });

    it('refuses to read back events older than the window', async () => {
      const start = await bus.head();
      await bus.publish(newEvent());
      const publishedAt = Date.now();
      await waitFor('the event to be 50 ms old', () => Date.now() - publishedAt > 50);

      await expect(bus.recent(HAPPENED, start, { ...wide, maxAgeMs: 10 })).rejects.toBeInstanceOf(ReplayWindowExceeded);
      await expect(bus.recent(HAPPENED, start, { ...wide, maxAgeMs: 10 })).rejects.toMatchObject({ reason: 'age' });
      expect(await bus.recent(HAPPENED, start, wide)).toHaveLength(1);
    });

    it('refuses a position it does not hold', async () => {
      await bus.publish(newEvent());
      const head = await bus.head();
      await expect(bus.recent(HAPPENED, head + 1000, wide)).rejects.toMatchObject({ reason: 'age' });
      await expect(bus.recent(HAPPENED, -5, wide)).rejects.toMatchObject({ reason: 'age' });
    });
  });

  describe('signal', () => {
    it('reaches every listener of its name, beside the published events, and no one after they stop', async () => {
      const first = recorder();
      const second = recorder();
      const other = recorder();
      const stopFirst = await bus.listen(HAPPENED, first.listener);
      const stopSecond = await bus.listen(HAPPENED, second.listener);
      const stopOther = await bus.listen(REMOVED, other.listener);

      await bus.signal(HAPPENED, { typing: 'ada' }, 'request-1');
      const published = newEvent();
      await bus.publish(published);
      await waitFor('the signal and the event', () => first.events.length === 2 && second.events.length === 2);
      const signal = first.events.find((e) => e.id !== published.id)!;
      expect(signal).toMatchObject({ name: HAPPENED, payload: { typing: 'ada' }, requestId: 'request-1' });
      expect(second.ids().sort()).toEqual(first.ids().sort());

      await stopFirst();
      await bus.signal(HAPPENED, { typing: 'bob' });
      await waitFor('the remaining listener to hear the next signal', () => second.events.length === 3);
      expect(second.events[2]!.payload).toEqual({ typing: 'bob' });
      expect(first.events).toHaveLength(2);
      expect(other.events).toEqual([]);
      await Promise.all([stopSecond(), stopOther()]);
    });

    it('is kept nowhere: no consumer gets it, and a later listener never hears it', async () => {
      const reader = recorder();
      await bus.consume('reader', [HAPPENED], reader.handler);
      await bus.signal(HAPPENED, { typing: 'ada' });
      // Stored events reach the consumer in order, so once the later one is in, a stored signal would be too.
      const later = newEvent();
      await bus.publish(later);
      await waitFor('the published event', () => reader.events.length > 0);
      expect(reader.ids()).toEqual([later.id]);

      const late = recorder();
      const stop = await bus.listen(HAPPENED, late.listener);
      const next = newEvent();
      await bus.publish(next);
      await waitFor('the next event', () => late.events.length > 0);
      expect(late.ids()).toEqual([next.id]);
      await stop();
    });
  });
});

const nonEmpty = <T>(items: T[]) => (items.length ? items : null);
