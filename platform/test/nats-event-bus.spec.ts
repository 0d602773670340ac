import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '@peerlink/platform/events/event-bus';
import { NatsEventBus } from '@peerlink/platform/events/nats-event-bus';
import { InfrastructureUnavailable } from '@peerlink/platform/errors';
import { uuidv7 } from '@peerlink/platform/ids';
import { createLogger } from '@peerlink/platform/logger';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const logger = createLogger({ level: 'silent', service: 'nats-event-bus-test' });

const newEvent = (): DomainEvent => ({
  id: uuidv7(),
  name: 'test.thing.happened',
  occurredAt: new Date().toISOString(),
  payload: {},
});

/** What only the NATS adapter can get wrong; the shared behaviour is in event-bus.contract.spec.ts. */
describe('NatsEventBus', () => {
  let ns: string;
  let bus: NatsEventBus;
  let admin: NatsConnection;

  beforeEach(async () => {
    ns = `test_${randomBytes(6).toString('hex')}`;
    bus = await NatsEventBus.connect(NATS_URL, ns, { maxAttempts: 2, baseDelayMs: 20 }, logger);
    admin = await connect({ servers: NATS_URL });
  });
  afterEach(async () => {
    await bus.destroy();
    await admin.close();
  });

  it('keeps consuming when a dead letter cannot be recorded', async () => {
    // Without its dead-letter stream the bus cannot park a failed event: publishing one fails.
    await (await jetstreamManager(admin)).streams.delete(`${ns.toUpperCase()}_DEAD_LETTERS`);
    const poison = newEvent();
    let poisonCalls = 0;
    const handled: string[] = [];
    await bus.consume('reader', ['test.thing.happened'], async (event) => {
      if (event.id === poison.id) {
        poisonCalls += 1;
        throw new Error('poison');
      }
      handled.push(event.id);
    });

    await bus.publish(poison);
    await waitFor('the last attempt at the poison event', () => poisonCalls === 2);
    const next = newEvent();
    await bus.publish(next);

    await waitFor('the next event', () => handled.includes(next.id));
    expect(handled).toEqual([next.id]);
  });

  it('says the dead letters are unavailable when their stream cannot be read, rather than that there are none', async () => {
    await (await jetstreamManager(admin)).streams.delete(`${ns.toUpperCase()}_DEAD_LETTERS`);
    await expect(bus.deadLetters()).rejects.toBeInstanceOf(InfrastructureUnavailable);
    await expect(bus.replayDeadLetter('1')).rejects.toBeInstanceOf(InfrastructureUnavailable);
  });

  it('keeps its streams across connections and deletes them on destroy()', async () => {
    const own = `test_${randomBytes(6).toString('hex')}`.toUpperCase();
    const jsm = await jetstreamManager(admin);
    const streams = async () => {
      const found: string[] = [];
      for await (const stream of jsm.streams.list())
        if (stream.config.name.startsWith(own)) found.push(stream.config.name);
      return found.sort();
    };
    const first = await NatsEventBus.connect(NATS_URL, own.toLowerCase(), { maxAttempts: 2, baseDelayMs: 20 }, logger);
    await first.close();
    expect(await streams()).toEqual([`${own}_DEAD_LETTERS`, `${own}_EVENTS`]);

    const second = await NatsEventBus.connect(NATS_URL, own.toLowerCase(), { maxAttempts: 2, baseDelayMs: 20 }, logger);
    await second.destroy();
    expect(await streams()).toEqual([]);
  });

  it('sends signals on core NATS, outside every stream', async () => {
    const jsm = await jetstreamManager(admin);
    const stored = async () => {
      let messages = 0;
      for await (const stream of jsm.streams.list())
        if (stream.config.name.startsWith(ns.toUpperCase())) messages += stream.state.messages;
      return messages;
    };
    const heard: DomainEvent[] = [];
    const stop = await bus.listen('test.thing.happened', (event) => void heard.push(event));
    // Heard on the wire by a plain NATS subscriber, under the subject the bus documents.
    const wire = admin.subscribe(`${ns}.signals.test.thing.happened`, { max: 1 });
    await admin.flush();
    const before = await stored();

    await bus.signal('test.thing.happened', { typing: 'ada' });
    await waitFor('the signal', () => heard.length === 1);
    for await (const msg of wire) expect(msg.json<DomainEvent>().payload).toEqual({ typing: 'ada' });
    expect(await stored()).toBe(before);
    await stop();
  });

  it('keeps a long-running handler’s event from other instances past the ack wait, and only when told', async () => {
    // Two instances of one consumer with a 1 s ack wait; the first to get the event holds it for 3.5 s.
    const run = async (longRunning: boolean) => {
      const name = `test.long.${longRunning ? 'held' : 'plain'}`;
      const deliveries: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const instances = await Promise.all(
        [1, 2].map(() => NatsEventBus.connect(NATS_URL, ns, { maxAttempts: 5, baseDelayMs: 20 }, logger, 8, 1000)),
      );
      const stops = await Promise.all(
        instances.map((instance, i) =>
          instance.consume(
            'worker',
            [name],
            async (event) => {
              deliveries.push(`${i}:${event.id}`);
              await held;
            },
            { longRunning },
          ),
        ),
      );
      await bus.publish({ ...newEvent(), name });
      await waitFor('the first delivery', () => deliveries.length === 1);
      const holdUntil = Date.now() + 3500;
      // Past three ack waits: a plain handler's event is handed out again meanwhile, a long-running one's is not.
      const redelivered = await waitFor('a redelivery', () => deliveries.length > 1 || Date.now() > holdUntil, 5000);
      release();
      await Promise.all(stops.map((stop) => stop()));
      await Promise.all(instances.map((instance) => instance.close()));
      return redelivered && deliveries.length;
    };
    expect(await run(false)).toBeGreaterThan(1);
    expect(await run(true)).toBe(1);
  });
});
