import { uuidv7 } from '../ids.js';
import { retryDelay, type DeadLetter, type DomainEvent, type EventBus, type EventHandler, type RetryPolicy } from './event-bus.js';

interface Consumer {
  name: string;
  eventNames: Set<string>;
  handler: EventHandler;
}

/**
 * The embedded bus: the same contract as NATS JetStream inside one process. Events are not kept
 * across restarts (the outboxes are, so nothing committed is lost before it is handed over).
 */
export class InProcessEventBus implements EventBus {
  private readonly consumers = new Map<string, Consumer>();
  private readonly listeners = new Map<string, Set<(event: DomainEvent) => void>>();
  private readonly seen = new Set<string>();
  private readonly dead = new Map<string, DeadLetter>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly retry: RetryPolicy) {}

  async publish(event: DomainEvent) {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > 100_000) this.seen.delete(this.seen.values().next().value!);
    for (const listener of this.listeners.get(event.name) ?? []) queueMicrotask(() => listener(event));
    for (const consumer of this.consumers.values()) {
      if (consumer.eventNames.has(event.name)) this.deliver(consumer, event, 1);
    }
  }

  async consume(name: string, eventNames: string[], handler: EventHandler) {
    const consumer = { name, eventNames: new Set(eventNames), handler };
    this.consumers.set(name, consumer);
    return async () => {
      if (this.consumers.get(name) === consumer) this.consumers.delete(name);
    };
  }

  async listen(eventName: string, handler: (event: DomainEvent) => void) {
    const set = this.listeners.get(eventName) ?? new Set();
    this.listeners.set(eventName, set.add(handler));
    return async () => void set.delete(handler);
  }

  async deadLetters() {
    return [...this.dead.values()];
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
    const run = () => {
      if (this.closed) return;
      consumer.handler(event).catch((error: unknown) => {
        if (attempt >= this.retry.maxAttempts) {
          const id = uuidv7();
          this.dead.set(id, { id, consumer: consumer.name, event, error: String((error as Error)?.message ?? error), attempts: attempt, failedAt: new Date().toISOString() });
        } else {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.deliver(consumer, event, attempt + 1);
          }, retryDelay(this.retry, attempt));
          this.timers.add(timer);
        }
      });
    };
    // Asynchronous like a broker: the publisher never runs a consumer's code on its own stack.
    setImmediate(run);
  }
}
