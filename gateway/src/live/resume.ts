import { GraphQLError } from 'graphql';
import {
  ReplayWindowExceeded,
  type DomainEvent,
  type EventBus,
  type EventPosition,
  type PositionedEvent,
  type ReplayWindow,
} from '@peerlink/platform/events/event-bus';
import type { Logger } from '@peerlink/platform/logger';

/**
 * Resuming a subscription after a lost connection. Every result carries `extensions.live.cursor`;
 * a client that subscribes again with `extensions: { live: { resumeFrom: cursor } }` first gets the
 * events it missed (read back from the bus, each looked up as the subscriber now), then live ones,
 * with none twice and none lost, as long as what it missed fits the window.
 */

/**
 * A subscriber's place in its events: it has everything at or before `through`, and the later
 * events in `also` (results sent out of order: a newer event of one key took a waiting one's place).
 */
export interface Cursor {
  through: EventPosition;
  also: EventPosition[];
}

/** Positions in `also` a cursor carries at most; beyond them a resume may repeat a result rather than lose one. */
const MAX_ALSO = 32;
const MAX_CURSOR_LENGTH = 1024;

export const encodeCursor = ({ through, also }: Cursor) =>
  Buffer.from(JSON.stringify([through, ...also])).toString('base64url');

/** The cursor in a subscribe message's `extensions.live.resumeFrom`: none, one, or BAD_USER_INPUT. */
export function readResumeFrom(extensions: unknown): Cursor | null | GraphQLError {
  const live = (extensions as { live?: unknown } | null | undefined)?.live;
  const text = (live as { resumeFrom?: unknown } | null | undefined)?.resumeFrom;
  if (text === undefined || text === null) return null;
  const malformed = new GraphQLError('extensions.live.resumeFrom is not a cursor this gateway sent.', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
  if (typeof text !== 'string' || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) return malformed;
  let numbers: unknown;
  try {
    numbers = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return malformed;
  }
  if (!Array.isArray(numbers) || !numbers.length || numbers.length > MAX_ALSO + 1) return malformed;
  if (!numbers.every((n) => Number.isSafeInteger(n) && n >= 0)) return malformed;
  const [through, ...also] = numbers as number[];
  if (also.some((p) => p <= through!)) return malformed;
  return { through: through!, also };
}

export interface ResumeSettings {
  /** How old the oldest missed event may be (SUBSCRIPTION_RESUME_WINDOW_MS). */
  windowMs: number;
  /** How many of its own events a subscriber may have missed (SUBSCRIPTION_RESUME_MAX_EVENTS). */
  maxEvents: number;
}

/** Events of others a resume may read past, per event of the subscriber's own it may have missed. */
const SCANNED_PER_EVENT = 10;

/**
 * Reads back what resuming subscribers missed. Subscribers of one subject cut off together (a
 * gateway restart) mostly hold the same cursor, so an identical read in flight is shared, but only
 * one begun after the subscriber started listening: an older one may end before events the
 * subscriber never heard.
 */
export class MissedEvents {
  private readonly reading = new Map<string, { since: number; read: Promise<PositionedEvent[]> }>();

  constructor(
    private readonly bus: EventBus,
    private readonly settings: ResumeSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * The events of `subject` after `through` that `concerns` the subscriber, or the coded error the
   * subscription ends with; `listeningSince` is performance.now() once its listener was registered.
   * The window counts only the subscriber's own events: on a subject every chat shares, what
   * strangers said meanwhile must not make a resume too old or too long. Reading past them is
   * still work, so the read stops at SCANNED_PER_EVENT times the window.
   */
  async read(
    subject: string,
    through: EventPosition,
    listeningSince: number,
    concerns: (event: DomainEvent) => boolean,
  ): Promise<PositionedEvent[]> {
    const listenedAt = Date.now() - (performance.now() - listeningSince);
    const read = (await this.readShared(subject, through, listeningSince)).filter(({ event }) => concerns(event));
    // What was stored once the subscriber listened reaches it live as well (the replay skips
    // those twice heard): it was not missed, and neither fills nor ages the window.
    const missed = read.filter(({ storedAt }) => storedAt < listenedAt);
    if (missed.length > this.settings.maxEvents) throw this.refusal(new ReplayWindowExceeded('count'), subject);
    if (missed.length && missed[0]!.storedAt < Date.now() - this.settings.windowMs)
      throw this.refusal(new ReplayWindowExceeded('age'), subject);
    return read;
  }

  private readShared(subject: string, through: EventPosition, listeningSince: number): Promise<PositionedEvent[]> {
    const key = `${subject}\n${through}`;
    const inFlight = this.reading.get(key);
    if (inFlight && inFlight.since >= listeningSince) return inFlight.read;
    // Age is judged per subscriber, on its own oldest event; the bus still refuses what it no longer holds.
    const window: ReplayWindow = {
      maxEvents: this.settings.maxEvents * SCANNED_PER_EVENT,
      maxAgeMs: Number.MAX_SAFE_INTEGER,
    };
    const entry = {
      since: performance.now(),
      read: this.bus.recent(subject, through, window).catch((error: unknown) => {
        throw this.refusal(error, subject);
      }),
    };
    entry.read.catch(() => {}).finally(() => this.reading.get(key) === entry && this.reading.delete(key));
    this.reading.set(key, entry);
    return entry.read;
  }

  private refusal(error: unknown, subject: string) {
    if (error instanceof ReplayWindowExceeded) {
      const limits =
        `at most ${this.settings.maxEvents} events of its kind, none older than ` +
        `${Math.round(this.settings.windowMs / 1000)} s`;
      return new GraphQLError(
        `Too much was missed to resume (${limits}); subscribe again without resumeFrom, with current: true ` +
          `where the field takes it.`,
        {
          extensions: { code: 'RESUME_WINDOW_EXCEEDED', reason: error.reason },
        },
      );
    }
    this.logger.error({ err: error, subject }, 'cannot read missed events');
    return new GraphQLError('The missed events cannot be read now; try again shortly.', {
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  }
}

/**
 * One subscription's place in its events, for the cursor on each result. Events are heard in
 * position order; those in the channel are outstanding until delivered or settled otherwise
 * (replaced by a newer one of their key, or not for this subscriber). The cursor is then: through
 * the position before the oldest outstanding event, plus the settled ones after it.
 */
export class SubscriptionPositions {
  private lastHeard: EventPosition | null;
  /** The position of the event just passed on; undefined for one not stored (a live-only signal). */
  private admitted: EventPosition | undefined;
  private readonly skip: Set<EventPosition>;
  private readonly positionOf = new Map<string, EventPosition>();
  /** Outstanding positions in order, with settled ones removed from the front only (`settled` holds the rest). */
  private readonly queue: EventPosition[] = [];
  private front = 0;
  private readonly settled = new Set<EventPosition>();
  private buffered: [DomainEvent, EventPosition | undefined][] | null = null;

  private constructor(start: EventPosition | null, resumeFrom: Cursor | null) {
    this.lastHeard = resumeFrom?.through ?? start;
    this.skip = new Set(resumeFrom?.also);
    // Live events wait from the start until the missed ones are read, so none overtakes them.
    this.buffered = resumeFrom ? [] : null;
  }

  /** A new subscription: it wants what is stored after `start` (null: from the first event it hears). */
  static after(start: EventPosition | null) {
    return new SubscriptionPositions(start, null);
  }

  /** A resumed one: call replay() once it listens. */
  static resuming(cursor: Cursor) {
    return new SubscriptionPositions(null, cursor);
  }

  /**
   * Wraps a subscription's listener: events heard while `replay` runs wait, and every event is
   * passed on once, in order: replayed ones, then live ones after the last replayed.
   */
  gate(feed: (event: DomainEvent) => void) {
    return (event: DomainEvent, position: EventPosition | undefined) => {
      if (this.buffered) return void this.buffered.push([event, position]);
      if (this.admit(position)) feed(event);
    };
  }

  /** Feeds the missed events, then those heard meanwhile; `read` throws the subscription's error. */
  async replay(read: Promise<PositionedEvent[]>, feed: (event: DomainEvent) => void) {
    try {
      for (const { event, position } of await read) {
        if (this.admit(position) && !this.skip.has(position)) feed(event);
      }
    } finally {
      const heard = this.buffered ?? [];
      this.buffered = null;
      this.skip.clear();
      for (const [event, position] of heard) if (this.admit(position)) feed(event);
    }
  }

  /** The event most recently admitted entered the channel. */
  queued(event: DomainEvent) {
    if (this.admitted === undefined || this.positionOf.has(event.id)) return;
    this.positionOf.set(event.id, this.admitted);
    this.queue.push(this.admitted);
  }

  /** The event left the channel: delivered, replaced or not for this subscriber. */
  settle(event: DomainEvent) {
    const position = this.positionOf.get(event.id);
    if (position === undefined) return;
    this.positionOf.delete(event.id);
    this.settled.add(position);
    while (this.front < this.queue.length && this.settled.delete(this.queue[this.front]!)) this.front += 1;
    if (this.front > 1024 && this.front * 2 > this.queue.length) {
      this.queue.splice(0, this.front);
      this.front = 0;
    }
  }

  /** The cursor for a result sent now; null before anything was heard. */
  cursor(): string | null {
    if (this.lastHeard === null) return null;
    const through = this.front < this.queue.length ? this.queue[this.front]! - 1 : this.lastHeard;
    const also = [...this.settled].sort((a, b) => a - b).slice(0, MAX_ALSO);
    return encodeCursor({ through, also });
  }

  /** Whether an event is one not passed on yet; events without a position (not stored) always are. */
  private admit(position: EventPosition | undefined) {
    this.admitted = position;
    if (position === undefined) return true;
    if (this.lastHeard !== null && position <= this.lastHeard) return false;
    this.lastHeard = position;
    return true;
  }
}
