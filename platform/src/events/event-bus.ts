import { InfrastructureUnavailable } from '../errors.js';
import { uuidv7 } from '../ids.js';
/**
 * Events cross subgraph boundaries; nothing else does. Names are `<domain>.<thing>.<past-tense-verb>`
 * and each domain declares its own in an EventMap beside its code.
 */
export type EventMap = Record<string, object>;

export interface DomainEvent<P extends object = Record<string, unknown>> {
  /** Unique per event; consumers use it to ignore redeliveries. */
  id: string;
  name: string;
  occurredAt: string;
  payload: P;
  /** The request that caused the event, for following one action through every service's logs. */
  requestId?: string;
  /** W3C trace context of the span that published it (tracing.ts); NATS carries it in the message's headers. */
  traceContext?: Record<string, string>;
}

export type EventHandler = (event: DomainEvent) => Promise<void>;

export interface ConsumeOptions {
  /**
   * Handlers may run longer than EVENT_ACK_WAIT_MS (a transcode): while one runs, the bus tells the
   * broker it is still at work, so the event is not handed to another instance meanwhile. A process
   * that dies stops telling, and the event comes back after the ack wait as usual.
   */
  longRunning?: boolean;
  /** Told of each delivery after an event's first (a retry, or one unfinished when its process stopped). */
  onRedelivery?(event: DomainEvent, attempt: number): void;
  /** Told of each event given up on: it is a dead letter now. */
  onDeadLetter?(event: DomainEvent): void;
}
export type Unsubscribe = () => Promise<void>;

/**
 * Where a stored event sits in the bus's one order (JetStream's stream sequence; the in-process
 * bus's count): a later event has a larger position, so "everything after P" names what a listener
 * that saw P has missed.
 */
export type EventPosition = number;
/** `position` is undefined for a signal, which is not stored. */
export type LiveHandler = (event: DomainEvent, position?: EventPosition) => void;
export interface PositionedEvent {
  event: DomainEvent;
  position: EventPosition;
  /** When the bus stored it, in milliseconds since the epoch. */
  storedAt: number;
}

/** How far back `recent` reads: a bound on the work one late listener can ask for. */
export interface ReplayWindow {
  maxEvents: number;
  maxAgeMs: number;
}

/** The events after a position are more than the window allows, older than it, or no longer kept (`age`). */
export class ReplayWindowExceeded extends Error {
  constructor(readonly reason: 'age' | 'count') {
    super(
      reason === 'count'
        ? 'More events were missed than the window allows.'
        : 'The missed events are older than the window, or no longer kept.',
    );
  }
}

/**
 * How long the bus keeps a published event and may deliver it again (a redelivery, a consumer
 * started over from its first event): JetStream's events stream ages them out after this.
 */
export const EVENT_RETENTION_DAYS = 7;

export interface DeadLetter {
  /** A decimal number, larger for each later dead letter: `after` pages by it. */
  id: string;
  consumer: string;
  event: DomainEvent;
  error: string;
  attempts: number;
  failedAt: string;
}

/**
 * Told by the bus itself whenever it gives an event up (a dead letter is not an event: no consumer would hear of it
 * otherwise), for figures such as analytics' platform report. Not told of its own failures, which would loop.
 */
export const DEAD_LETTERED = 'platform.event.dead_lettered';
export interface DeadLettered {
  consumer: string;
  eventId: string;
  eventName: string;
  attempts: number;
  failedAt: string;
}

/** The event that tells of `letter`, or null for a letter about that event itself. */
export function deadLetteredEvent(letter: Omit<DeadLetter, 'id'>): DomainEvent | null {
  if (letter.event.name === DEAD_LETTERED) return null;
  const { consumer, event, attempts, failedAt } = letter;
  return {
    id: uuidv7(),
    name: DEAD_LETTERED,
    occurredAt: failedAt,
    // Not the error's text: it may quote the event's personal data.
    payload: { consumer, eventId: event.id, eventName: event.name, attempts, failedAt } satisfies DeadLettered,
  };
}

/** A page of dead letters, oldest first: at most `limit` (1 to MAX_DEAD_LETTER_PAGE), after the one with id `after`. */
export interface DeadLetterPage {
  limit?: number;
  after?: string;
}

export const DEFAULT_DEAD_LETTER_PAGE = 100;
export const MAX_DEAD_LETTER_PAGE = 1000;

/**
 * A page's size and the id it starts after (0: from the first); RangeError for a size out of bounds or an id no bus
 * hands out.
 */
export function deadLetterPage(page: DeadLetterPage): { limit: number; after: number } {
  const limit = page.limit ?? DEFAULT_DEAD_LETTER_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEAD_LETTER_PAGE)
    throw new RangeError(`limit must be between 1 and ${MAX_DEAD_LETTER_PAGE}`);
  if (page.after !== undefined && !isDeadLetterId(page.after)) throw new RangeError('after must be a dead letter id');
  return { limit, after: page.after === undefined ? 0 : Number(page.after) };
}

export const isDeadLetterId = (id: string) => /^[1-9][0-9]{0,15}$/.test(id) && Number.isSafeInteger(Number(id));

export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before the second attempt; it doubles for each later one. */
  baseDelayMs: number;
}

export const retryDelay = (policy: RetryPolicy, attempt: number) =>
  Math.min(policy.baseDelayMs * 2 ** (attempt - 1), 60 * 60_000);

/**
 * How long an event waits for shared infrastructure before it is a dead letter after all: well within JetStream's 7
 * days.
 */
export const INFRASTRUCTURE_PATIENCE_MS = 3 * 24 * 3600_000;
const INFRASTRUCTURE_RETRY_FLOOR_MS = 1_000;

/**
 * Whether a handler's failure earns another attempt. A shared service that is away (the cache) is
 * no fault of the event: the event waits for it, retried at the last attempt's pace (every second at
 * least), rather than becoming a dead letter that an operator must replay; after three days it is
 * one anyway, so nothing ages out of the stream unseen.
 */
export function shouldRetry(
  policy: RetryPolicy,
  attempt: number,
  error: unknown,
  event: Pick<DomainEvent, 'occurredAt'>,
  now = Date.now(),
): { after: number } | null {
  if (attempt < policy.maxAttempts) return { after: retryDelay(policy, attempt) };
  if (error instanceof InfrastructureUnavailable && now - Date.parse(event.occurredAt) < INFRASTRUCTURE_PATIENCE_MS) {
    return { after: Math.max(retryDelay(policy, policy.maxAttempts), INFRASTRUCTURE_RETRY_FLOOR_MS) };
  }
  return null;
}

export interface EventBus {
  /** Stores the event for every consumer; publishing the same id twice delivers it once. */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Durable, at-least-once delivery to one named consumer (instances sharing the name share the
   * work). Several events are handled at once and in no promised order, so handlers must not rely
   * on order. A handler that throws is retried with backoff; after the last attempt the event goes
   * to the dead letters.
   */
  consume(
    consumer: string,
    eventNames: string[],
    handler: EventHandler,
    options?: ConsumeOptions,
  ): Promise<Unsubscribe>;
  /**
   * Live fan-out to every listener in every process; nothing is kept for absent listeners (`recent`
   * reads what they missed). Hears the events stored under `eventName` from when it resolves, in
   * position order, and the signals sent under it (without a position: they are not stored).
   */
  listen(eventName: string, handler: LiveHandler): Promise<Unsubscribe>;
  /**
   * A live-only signal: reaches the listeners of `name` at that moment, and no consumer. It skips the
   * outbox and the stream, so it is never replayed and keeps no order with published events.
   */
  signal(name: string, payload: object, requestId?: string): Promise<void>;
  /** Events stored for `consumer` that it has not acknowledged yet (its lag), across the names it consumes. */
  pending(consumer: string): Promise<number>;
  /** The position of the latest stored event, of any name. */
  head(): Promise<EventPosition>;
  /**
   * The stored events named `eventName` after `after`, oldest first. Throws ReplayWindowExceeded
   * when they are more than `window.maxEvents`, the oldest was stored over `window.maxAgeMs` ago, or
   * the bus no longer holds (or never held) everything after `after`.
   */
  recent(eventName: string, after: EventPosition, window: ReplayWindow): Promise<PositionedEvent[]>;
  /**
   * Dead letters, oldest first, a page at a time. A letter deleted meanwhile (replayed, aged out) is
   * skipped; a bus that cannot be read throws (InfrastructureUnavailable), never answers a shorter list.
   */
  deadLetters(page?: DeadLetterPage): Promise<DeadLetter[]>;
  /** Sends a dead letter's event to its consumer again and forgets the dead letter. */
  replayDeadLetter(id: string): Promise<boolean>;
  close(): Promise<void>;
}
