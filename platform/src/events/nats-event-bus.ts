import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';
import { InfrastructureUnavailable } from '../errors.js';
import {
  deadLetteredEvent,
  deadLetterPage,
  EVENT_RETENTION_DAYS,
  isDeadLetterId,
  ReplayWindowExceeded,
  shouldRetry,
  type DeadLetter,
  type DeadLetterPage,
  type ConsumeOptions,
  type DomainEvent,
  type EventBus,
  type EventHandler,
  type EventPosition,
  type LiveHandler,
  type PositionedEvent,
  type ReplayWindow,
  type RetryPolicy,
} from './event-bus.js';
import { signalEvent } from './signals.js';

const SECOND_NS = 1_000_000_000;

/**
 * JetStream behind the EventBus contract. Subjects:
 *   <ns>.events.<event name>            every published event (stream <NS>_EVENTS)
 *   <ns>.replay.<consumer>.<event name> a dead letter sent back to the one consumer it failed in
 *   <ns>.dead.<consumer>.<event name>   dead letters (stream <NS>_DEAD_LETTERS), kept for operators
 *   <ns>.signals.<name>                 live-only signals: core NATS, in no stream
 * Each consumer gets one durable JetStream consumer per event name (NATS 2.9 filters on one subject).
 */
export class NatsEventBus implements EventBus {
  private readonly eventsStream: string;
  private readonly deadStream: string;
  private readonly stoppers = new Set<() => Promise<void>>();
  /** Each consumer's durable JetStream consumers, for its lag. */
  private readonly durables = new Map<string, string[]>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly namespace: string,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
    private readonly concurrency: number,
    private readonly ackWaitMs: number,
  ) {
    this.eventsStream = `${namespace.toUpperCase()}_EVENTS`;
    this.deadStream = `${namespace.toUpperCase()}_DEAD_LETTERS`;
  }

  /**
   * `concurrency`: events of one name a consumer handles at once in this process; `ackWaitMs`: how long one may take
   * before it is delivered again.
   */
  static async connect(
    url: string,
    namespace: string,
    retry: RetryPolicy,
    logger: Logger,
    concurrency = 8,
    ackWaitMs = 60_000,
  ): Promise<NatsEventBus> {
    // noAsyncTraces: otherwise every publish (a request for JetStream's acknowledgement) captures a
    // stack trace in advance, in case it times out.
    const nc = await connect({
      servers: url,
      name: `peerlink-${process.pid}`,
      maxReconnectAttempts: -1,
      noAsyncTraces: true,
    });
    const jsm = await jetstreamManager(nc);
    const bus = new NatsEventBus(nc, jetstream(nc), jsm, namespace, retry, logger, concurrency, ackWaitMs);
    await bus.ensureStream(
      bus.eventsStream,
      [`${namespace}.events.>`, `${namespace}.replay.>`],
      EVENT_RETENTION_DAYS * 24 * 3600,
    );
    await bus.ensureStream(bus.deadStream, [`${namespace}.dead.>`], 30 * 24 * 3600);
    return bus;
  }

  async publish(event: DomainEvent) {
    const { traceContext, ...stored } = event;
    await this.js.publish(`${this.namespace}.events.${event.name}`, JSON.stringify(stored), {
      msgID: event.id,
      headers: traceHeaders(traceContext),
    });
  }

  async consume(consumer: string, eventNames: string[], handler: EventHandler, options: ConsumeOptions = {}) {
    const subjects = [
      ...eventNames.map((name) => ({
        durable: durableName(consumer, name),
        subject: `${this.namespace}.events.${name}`,
      })),
      { durable: durableName(consumer, 'replay'), subject: `${this.namespace}.replay.${consumer}.>` },
    ];
    this.durables.set(
      consumer,
      subjects.map(({ durable }) => durable),
    );
    const stops = await Promise.all(
      subjects.map(({ durable, subject }) => this.runConsumer(consumer, durable, subject, handler, options)),
    );
    const stop = async () => {
      this.stoppers.delete(stop);
      await Promise.all(stops.map((s) => s()));
    };
    this.stoppers.add(stop);
    return stop;
  }

  /** Core NATS, no stream: whoever listens now hears it, nobody later. */
  async signal(name: string, payload: object, requestId?: string) {
    this.nc.publish(`${this.namespace}.signals.${name}`, JSON.stringify(signalEvent(name, payload, requestId)));
  }

  async listen(eventName: string, handler: LiveHandler) {
    const stopSignals = this.listenToSignals(eventName, handler);
    try {
      const stopEvents = await this.listenToStream(eventName, handler);
      // Once listen() resolves, the server knows the signals' subscription too.
      await this.nc.flush();
      return async () => {
        stopSignals();
        await stopEvents();
      };
    } catch (error) {
      stopSignals();
      throw error;
    }
  }

  async pending(consumer: string) {
    const infos = await Promise.all(
      (this.durables.get(consumer) ?? []).map((durable) => this.jsm.consumers.info(this.eventsStream, durable)),
    );
    return infos.reduce((sum, info) => sum + info.num_pending + info.num_ack_pending, 0);
  }

  async head() {
    return (await this.jsm.streams.info(this.eventsStream)).state.last_seq;
  }

  async recent(eventName: string, after: EventPosition, window: ReplayWindow): Promise<PositionedEvent[]> {
    const { state } = await this.jsm.streams.info(this.eventsStream);
    // Messages aged out of the stream (max_age) may have been of this name: nothing to resume from.
    if (!Number.isSafeInteger(after) || after < 0 || after + 1 < state.first_seq || after > state.last_seq)
      throw new ReplayWindowExceeded('age');
    if (after === state.last_seq) return [];
    const consumer = await this.js.consumers.get(this.eventsStream, {
      filter_subjects: `${this.namespace}.events.${eventName}`,
      opt_start_seq: after + 1,
    });
    try {
      // Counted by the server when the consumer was made: later events reach listeners live.
      const pending = (await consumer.info(true)).num_pending;
      if (pending > window.maxEvents) throw new ReplayWindowExceeded('count');
      const missed: PositionedEvent[] = [];
      if (pending === 0) return missed;
      const messages = await consumer.fetch({ max_messages: pending, expires: 10_000 });
      for await (const msg of messages) {
        if (!missed.length && msg.time.getTime() < Date.now() - window.maxAgeMs) throw new ReplayWindowExceeded('age');
        missed.push({ event: eventOf(msg), position: msg.seq, storedAt: msg.time.getTime() });
        if (missed.length === pending) break;
      }
      if (missed.length < pending) throw new Error(`read ${missed.length} of ${pending} missed events`);
      return missed;
    } finally {
      await consumer.delete().catch(() => false);
    }
  }

  /** Signals of one name, beside whatever hears its stored events; each has its own id, so no de-duplication. */
  private listenToSignals(name: string, handler: LiveHandler): () => void {
    const sub = this.nc.subscribe(`${this.namespace}.signals.${name}`, {
      callback: (error, msg) => {
        if (error) return this.logger.error({ err: error, signal: name }, 'signal subscription failed');
        try {
          handler(msg.json<DomainEvent>());
        } catch (err) {
          this.logger.error({ err, signal: name }, 'signal listener threw');
        }
      },
    });
    return () => sub.unsubscribe();
  }

  async deadLetters(page: DeadLetterPage = {}): Promise<DeadLetter[]> {
    const { limit, after } = deadLetterPage(page);
    return unavailableAs('The dead letters cannot be read', () => this.readDeadLetters(limit, after));
  }

  async replayDeadLetter(id: string) {
    if (!isDeadLetterId(id)) return false;
    const seq = Number(id);
    return unavailableAs('The dead letter cannot be replayed', async () => {
      // Null only when JetStream has no such message (replayed already, aged out, never there).
      const stored = await this.jsm.streams.getMessage(this.deadStream, { seq });
      if (!stored) return false;
      const letter = stored.json<DeadLetter>();
      await this.js.publish(
        `${this.namespace}.replay.${letter.consumer}.${letter.event.name}`,
        JSON.stringify(letter.event),
        {
          msgID: `${letter.event.id}:replay:${seq}`,
        },
      );
      await this.jsm.streams.deleteMessage(this.deadStream, seq);
      return true;
    });
  }

  /**
   * One ordered consumer from `after` on and one fetch, whatever the page size: JetStream skips the
   * letters deleted (replayed) in between, and each message says how many follow it, so the read
   * stops at the stream's end rather than waiting out the fetch.
   */
  private async readDeadLetters(limit: number, after: number): Promise<DeadLetter[]> {
    const { state } = await this.jsm.streams.info(this.deadStream);
    if (state.messages === 0 || after >= state.last_seq) return [];
    const consumer = await this.js.consumers.get(this.deadStream, {
      opt_start_seq: Math.max(after + 1, state.first_seq),
    });
    try {
      let pending = (await consumer.info(true)).num_pending;
      const letters: DeadLetter[] = [];
      if (pending === 0) return letters;
      for await (const msg of await consumer.fetch({ max_messages: Math.min(limit, pending), expires: 5_000 })) {
        letters.push({ ...msg.json<Omit<DeadLetter, 'id'>>(), id: String(msg.seq) });
        pending = msg.info.pending;
        if (letters.length === limit || pending === 0) break;
      }
      // Ended early: right if the rest were deleted meanwhile, a failed read if they are still there.
      if (letters.length < limit && pending > 0 && (await consumer.info()).num_pending > 0) {
        throw new Error(`the fetch ended after ${letters.length} dead letters with more to read`);
      }
      return letters;
    } finally {
      await consumer.delete().catch(() => false);
    }
  }

  /** Best effort: the letter is stored already, and failing here must not make the event come back. */
  private async tellDeadLettered(letter: Omit<DeadLetter, 'id'>) {
    const told = deadLetteredEvent(letter);
    if (told)
      await this.publish(told).catch((err) =>
        this.logger.warn({ err, eventId: letter.event.id }, 'dead letter untold'),
      );
  }

  async close() {
    await Promise.all([...this.stoppers].map((stop) => stop()));
    await this.nc.drain();
  }

  /** Deletes this namespace's streams: for tests that made their own namespace. */
  async destroy() {
    await Promise.all([...this.stoppers].map((stop) => stop()));
    for (const stream of [this.eventsStream, this.deadStream]) await this.jsm.streams.delete(stream).catch(() => false);
    await this.nc.drain();
  }

  /**
   * Stored events as they arrive, through an ordered consumer of this process's own: every gateway
   * replica hears every event once, in stream order, with its position; after a lost connection to
   * NATS it carries on from the last event it had rather than losing what was published meanwhile.
   */
  private async listenToStream(eventName: string, handler: LiveHandler) {
    const consumer = await this.js.consumers.get(this.eventsStream, {
      filter_subjects: `${this.namespace}.events.${eventName}`,
      opt_start_seq: (await this.head()) + 1,
    });
    const messages = await consumer.consume({
      callback: (msg) => {
        try {
          handler(eventOf(msg), msg.seq);
        } catch (err) {
          this.logger.error({ err, eventName }, 'live listener threw');
        }
      },
    });
    return async () => {
      await messages.close();
      await consumer.delete().catch(() => false);
    };
  }

  private async ensureStream(name: string, subjects: string[], maxAgeSeconds: number) {
    const config = { name, subjects, max_age: maxAgeSeconds * SECOND_NS, duplicate_window: 120 * SECOND_NS };
    try {
      await this.jsm.streams.info(name);
      await this.jsm.streams.update(name, config);
    } catch {
      await this.jsm.streams.add(config);
    }
  }

  private async runConsumer(
    consumer: string,
    durable: string,
    subject: string,
    handler: EventHandler,
    options: ConsumeOptions,
  ) {
    const ackWait = Math.round(this.ackWaitMs * 1_000_000);
    await this.jsm.consumers
      .add(this.eventsStream, {
        durable_name: durable,
        filter_subject: subject,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: ackWait,
      })
      // It exists with another ack wait (EVENT_ACK_WAIT_MS changed): the rest of it stays as it is.
      .catch(() => this.jsm.consumers.update(this.eventsStream, durable, { ack_wait: ackWait }));
    const messages = await (await this.js.consumers.get(this.eventsStream, durable)).consume({ max_messages: 64 });
    const done = (async () => {
      // Several at once: handlers mostly wait on the database, and none may rely on order anyway
      // (retries and other event names overtake). Stopping waits for those under way.
      const handling = new Set<Promise<void>>();
      for await (const msg of messages) {
        // One message we could not settle (say its dead letter failed to store) must not stop the
        // consumer; left unacknowledged, it comes back after ack_wait.
        const one: Promise<void> = this.handle(consumer, msg, handler, options)
          .catch((err) => this.logger.error({ err, durable }, 'event left for redelivery'))
          .finally(() => handling.delete(one));
        handling.add(one);
        if (handling.size >= this.concurrency) await Promise.race(handling);
      }
      await Promise.all(handling);
    })().catch((err) => this.logger.error({ err, durable }, 'event consumer stopped'));
    return async () => {
      await messages.close();
      await done;
    };
  }

  private async handle(consumer: string, msg: JsMsg, handler: EventHandler, options: ConsumeOptions) {
    const attempt = msg.info.deliveryCount;
    let event: DomainEvent;
    try {
      event = eventOf(msg);
    } catch {
      this.logger.error({ subject: msg.subject }, 'unreadable event discarded');
      return msg.term('unreadable');
    }
    if (attempt > 1) options.onRedelivery?.(event, attempt);
    try {
      const working = options.longRunning ? setInterval(() => msg.working(), this.ackWaitMs / 3) : null;
      try {
        await handler(event);
      } finally {
        if (working) clearInterval(working);
      }
      msg.ack();
    } catch (error) {
      const again = shouldRetry(this.retry, attempt, error, event);
      if (again) return msg.nak(again.after);
      const letter: Omit<DeadLetter, 'id'> = {
        consumer,
        event,
        error: String((error as Error)?.message ?? error),
        attempts: attempt,
        failedAt: new Date().toISOString(),
      };
      await this.js.publish(`${this.namespace}.dead.${consumer}.${event.name}`, JSON.stringify(letter));
      this.logger.warn({ consumer, event: event.name, eventId: event.id, attempts: attempt }, 'event dead-lettered');
      options.onDeadLetter?.(event);
      await this.tellDeadLettered(letter);
      msg.term('dead-lettered');
    }
  }
}

/**
 * NATS failed (unreachable, timed out, a stream missing): the caller hears that the bus is unavailable, not "nothing
 * there".
 */
async function unavailableAs<T>(message: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new InfrastructureUnavailable(`${message}: NATS is unavailable`, { cause: error });
  }
}

/** The trace an event continues, in W3C's own header names, as any NATS client that traces would read them. */
function traceHeaders(traceContext: DomainEvent['traceContext']): MsgHdrs | undefined {
  if (!traceContext) return undefined;
  const carried = headers();
  for (const [name, value] of Object.entries(traceContext)) carried.set(name, value);
  return carried;
}

/** The stored event, with the trace context its headers carried. */
function eventOf(msg: { json<T>(): T; headers?: MsgHdrs }): DomainEvent {
  const event = msg.json<DomainEvent>();
  const traceparent = msg.headers?.get('traceparent');
  if (traceparent) {
    const tracestate = msg.headers?.get('tracestate');
    event.traceContext = { traceparent, ...(tracestate ? { tracestate } : {}) };
  }
  return event;
}

const durableName = (consumer: string, eventName: string) =>
  `${consumer}__${eventName}`.replace(/[^A-Za-z0-9_-]/g, '_');
