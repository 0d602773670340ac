import type { Logger } from '../logger.js';
import {
  deadLetteredEvent,
  deadLetterPage,
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
  type ReplayWindow,
  type RetryPolicy,
} from './event-bus.js';
import { signalEvent } from './signals.js';

interface Consumer {
  name: string;
  eventNames: Set<string>;
  /** Null while nobody consumes under the name; its events wait in `parked`, as in a broker. */
  handler: EventHandler | null;
  parked: { event: DomainEvent; attempt: number }[];
  /** Handler runs not yet finished: unsubscribing waits for them, as a NATS consumer's stop does. */
  running: Set<Promise<void>>;
  /** Deliveries scheduled or running (retries waiting their turn included): with `parked`, the consumer's lag. */
  waiting: number;
  options: ConsumeOptions;
}

/**
 * The embedded bus: the same contract as NATS JetStream inside one process. Like a durable
 * JetStream consumer, a consumer name that subscribes for the first time is handed the recent
 * events (up to `retained`), so an outbox relaying before every subgraph has subscribed loses
 * nothing; one that unsubscribes gets what it missed when it subscribes again. Events are not kept
 * across restarts (the outboxes are, so nothing committed is lost before it is handed over).
 */
export class InProcessEventBus implements EventBus {
  private readonly consumers = new Map<string, Consumer>();
  private readonly listeners = new Map<string, Set<LiveHandler>>();
  private readonly seen = new Set<string>();
  /** The last `retained` events, numbered without gaps: the last is at nextPosition - 1. */
  private readonly history: { event: DomainEvent; storedAt: number }[] = [];
  /**
   * Counted from the start time in microseconds rather than from 1, so positions grow across
   * restarts too: a position handed out before a restart reads as no longer held, never as a later event.
   */
  private nextPosition = Date.now() * 1000;
  /** In the order they failed; ids count up from the start time, as positions do, so `after` pages by them. */
  private readonly dead = new Map<string, DeadLetter>();
  private nextDeadLetter = Date.now() * 1000;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly retry: RetryPolicy,
    private readonly retained = 10_000,
    private readonly logger?: Logger,
  ) {}

  async publish(event: DomainEvent) {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > 100_000) this.seen.delete(this.seen.values().next().value!);
    const position = this.nextPosition++;
    this.history.push({ event, storedAt: Date.now() });
    if (this.history.length > this.retained) this.history.shift();
    this.tellListeners(event, position);
    for (const consumer of this.consumers.values()) {
      if (consumer.eventNames.has(event.name)) this.deliver(consumer, event, 1);
    }
  }

  /** Kept nowhere: only the listeners of the moment hear it. */
  async signal(name: string, payload: object, requestId?: string) {
    this.tellListeners(signalEvent(name, payload, requestId));
  }

  private tellListeners(event: DomainEvent, position?: EventPosition) {
    for (const listener of this.listeners.get(event.name) ?? []) {
      queueMicrotask(() => {
        // As on NATS, one listener's failure is logged and harms no one else.
        try {
          listener(event, position);
        } catch (err) {
          this.logger?.error({ err, eventName: event.name }, 'live listener threw');
        }
      });
    }
  }

  async consume(name: string, eventNames: string[], handler: EventHandler, options: ConsumeOptions = {}) {
    const known = this.consumers.get(name);
    const consumer: Consumer = known ?? {
      name,
      eventNames: new Set(),
      handler: null,
      parked: [],
      running: new Set(),
      waiting: 0,
      options,
    };
    consumer.eventNames = new Set(eventNames);
    consumer.handler = handler;
    consumer.options = options;
    this.consumers.set(name, consumer);
    const backlog = known
      ? consumer.parked.splice(0)
      : this.history
          .filter(({ event }) => consumer.eventNames.has(event.name))
          .map(({ event }) => ({ event, attempt: 1 }));
    for (const { event, attempt } of backlog) this.deliver(consumer, event, attempt);
    return async () => {
      if (consumer.handler === handler) consumer.handler = null;
      await Promise.allSettled([...consumer.running]);
    };
  }

  async listen(eventName: string, handler: LiveHandler) {
    const set = this.listeners.get(eventName) ?? new Set();
    this.listeners.set(eventName, set.add(handler));
    return async () => void set.delete(handler);
  }

  async pending(consumer: string) {
    const known = this.consumers.get(consumer);
    return known ? known.waiting + known.parked.length : 0;
  }

  async head() {
    return this.nextPosition - 1;
  }

  async recent(eventName: string, after: EventPosition, window: ReplayWindow) {
    const firstHeld = this.nextPosition - this.history.length;
    if (!Number.isSafeInteger(after) || after + 1 < firstHeld || after >= this.nextPosition)
      throw new ReplayWindowExceeded('age');
    const missed = this.history
      .slice(after + 1 - firstHeld)
      .map((stored, i) => ({ ...stored, position: after + 1 + i }))
      .filter(({ event }) => event.name === eventName);
    if (missed.length > window.maxEvents) throw new ReplayWindowExceeded('count');
    if (missed.length && missed[0]!.storedAt < Date.now() - window.maxAgeMs) throw new ReplayWindowExceeded('age');
    return missed.map(({ event, position, storedAt }) => ({ event, position, storedAt }));
  }

  async deadLetters(page: DeadLetterPage = {}) {
    const { limit, after } = deadLetterPage(page);
    const letters: DeadLetter[] = [];
    for (const letter of this.dead.values()) {
      if (Number(letter.id) <= after) continue;
      letters.push(letter);
      if (letters.length === limit) break;
    }
    return letters;
  }

  async replayDeadLetter(id: string) {
    const letter = this.dead.get(id);
    const consumer = letter && this.consumers.get(letter.consumer);
    if (!letter || !consumer) return false;
    this.dead.delete(id);
    this.deliver(consumer, letter.event, 1);
    return true;
  }

  async close() {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.consumers.clear();
    this.listeners.clear();
  }

  private deliver(consumer: Consumer, event: DomainEvent, attempt: number) {
    consumer.waiting++;
    const run = () => {
      if (this.closed) return;
      const handler = consumer.handler;
      if (!handler) {
        consumer.waiting--;
        consumer.parked.push({ event, attempt });
        if (consumer.parked.length > this.retained) consumer.parked.shift();
        return;
      }
      if (attempt > 1) consumer.options.onRedelivery?.(event, attempt);
      const running: Promise<void> = handler(event).catch((error: unknown) => {
        const again = shouldRetry(this.retry, attempt, error, event);
        if (!again) {
          consumer.options.onDeadLetter?.(event);
          const id = String(this.nextDeadLetter++);
          const letter: DeadLetter = {
            id,
            consumer: consumer.name,
            event,
            error: String((error as Error)?.message ?? error),
            attempts: attempt,
            failedAt: new Date().toISOString(),
          };
          this.dead.set(id, letter);
          const told = deadLetteredEvent(letter);
          if (told) void this.publish(told);
        } else {
          // Still the consumer's to handle while it waits for its next attempt.
          consumer.waiting++;
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            consumer.waiting--;
            this.deliver(consumer, event, attempt + 1);
          }, again.after);
          this.timers.add(timer);
        }
      });
      consumer.running.add(running);
      void running.finally(() => {
        consumer.running.delete(running);
        consumer.waiting--;
      });
    };
    // Asynchronous like a broker: the publisher never runs a consumer's code on its own stack.
    setImmediate(run);
  }
}
