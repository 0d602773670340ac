/** Why a subscription lost events: its client stopped reading, the gateway's backlog overflowed, or a lookup threw. */
export type DropReason = 'slow_client' | 'backlog' | 'error';

export interface ChannelOptions<E, R> {
  /** An event's payload for this subscriber; null when the event turns out not to be for them. */
  resolve(event: E): Promise<R | null>;
  /** Events with one key read the same current state: a newer one replaces one still waiting. */
  keyOf(event: E): string;
  /** Lookups in flight at once; events of one key never overlap, so state never steps back. */
  concurrency: number;
  /**
   * Events that may wait for a reader that has asked for nothing in `stallMs` (graphql-ws asks once
   * its previous message is written, so a reader that does not ask is a client that does not read);
   * one more ends the channel. A reader that keeps asking may have any number waiting.
   */
  maxUnread: number;
  stallMs: number;
  /** Events waiting for a lookup: a bound on memory, far above any burst. */
  maxPending: number;
  /** The channel takes nothing more (ended, failed or returned): stop feeding it. */
  onClose(): void;
  /** Events lost when it overflows; returns the error the reader ends with. */
  onDrop(reason: DropReason, events: number): Error;
  /**
   * An event leaves the channel: resolved `resolvedAfterMs` after it arrived, or (null) not: replaced,
   * dropped or abandoned, with `started` telling whether its lookup had begun.
   */
  onSettled?(event: E, started: boolean, resolvedAfterMs: number | null): void;
}

interface Slot<E, R> {
  event: E;
  key: string;
  arrivedAt: number;
  started: boolean;
  abandoned?: true;
  outcome?: { value: R | null } | { error: unknown };
}

/**
 * One subscription's events, resolved with bounded concurrency a little ahead of the reader and
 * read in arrival order as an async iterator. Back-pressure is on the reader: graphql-ws asks for
 * the next result only once the previous message is written, so a client that does not read stops
 * asking. A burst is only a longer wait (bounded by `maxPending`; events of one key coalesce), and
 * a client that stops reading while many events wait is ended with an error saying what was dropped.
 */
export class Channel<E, R> implements AsyncIterableIterator<R> {
  private readonly slots: Slot<E, R>[] = [];
  private readonly waitingByKey = new Map<string, Slot<E, R>>();
  private readonly inFlightKeys = new Set<string>();
  private started = 0;
  private inFlight = 0;
  private unread = 0;
  private closed = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readerWaiting = false;
  private lastPullAt = Date.now();
  private stallTimer: NodeJS.Timeout | null = null;
  private pumpScheduled = false;

  constructor(private readonly options: ChannelOptions<E, R>) {}

  /** `queued`, `replaced` (a waiting event of the same key now stands for this one), or `refused`. */
  push(event: E): { status: 'queued' | 'refused' } | { status: 'replaced'; previous: E } {
    if (this.closed) return { status: 'refused' };
    const key = this.options.keyOf(event);
    const waiting = this.waitingByKey.get(key);
    if (waiting) {
      const previous = waiting.event;
      waiting.event = event;
      waiting.arrivedAt = Date.now();
      this.options.onSettled?.(previous, false, null);
      return { status: 'replaced', previous };
    }
    if (this.slots.length - this.started >= this.options.maxPending) {
      this.overflow('backlog', 1);
      return { status: 'refused' };
    }
    const slot: Slot<E, R> = { event, key, arrivedAt: Date.now(), started: false };
    this.slots.push(slot);
    this.waitingByKey.set(key, slot);
    // Started after the fan-out that pushed it has reached every subscriber, so that a lookup shared
    // by them is expected by all before the first one takes it.
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      queueMicrotask(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
    this.checkStall();
    return { status: 'queued' };
  }

  async next(): Promise<IteratorResult<R>> {
    this.lastPullAt = Date.now();
    for (;;) {
      if (this.closed && !this.failure) return { value: undefined, done: true };
      const head = this.slots[0];
      if (head?.outcome) {
        this.slots.shift();
        this.started -= 1;
        const outcome = head.outcome;
        if ('error' in outcome) {
          const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
          this.end(error, this.slots.length, 'error');
          throw error;
        }
        if (outcome.value === null) {
          this.pump();
          continue;
        }
        this.unread -= 1;
        this.pump();
        return { value: outcome.value, done: false };
      }
      // Results resolved before a failure are delivered first: the client gets a prefix without gaps.
      if (!head && this.failure) throw this.failure;
      this.readerWaiting = true;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.readerWaiting = false;
      this.lastPullAt = Date.now();
    }
  }

  async return(): Promise<IteratorResult<R>> {
    this.end(null, 0);
    // What is left was resolved (and settled) already.
    this.slots.length = 0;
    this.started = 0;
    this.signal();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private pump() {
    // Resolved no further ahead of the reader than `concurrency`: a reader that stops holds few results.
    while (!this.closed && this.started < this.slots.length && this.inFlight + this.unread < this.options.concurrency) {
      const slot = this.slots[this.started]!;
      // Same key in flight: wait, so a later read never lands before an earlier one.
      if (this.inFlightKeys.has(slot.key)) return;
      this.started += 1;
      this.inFlight += 1;
      slot.started = true;
      this.waitingByKey.delete(slot.key);
      this.inFlightKeys.add(slot.key);
      this.options.resolve(slot.event).then(
        (value) => this.settle(slot, { value }),
        (error: unknown) => this.settle(slot, { error }),
      );
    }
  }

  private settle(slot: Slot<E, R>, outcome: NonNullable<Slot<E, R>['outcome']>) {
    this.inFlightKeys.delete(slot.key);
    this.inFlight -= 1;
    if (slot.abandoned) return; // return() or an overflow already settled it
    slot.outcome = outcome;
    this.options.onSettled?.(slot.event, true, Date.now() - slot.arrivedAt);
    if ('value' in outcome && outcome.value !== null) {
      this.unread += 1;
    }
    this.pump();
    this.checkStall();
    this.signal();
  }

  /** Ends the channel when too many events wait for a reader that has stopped asking for them. */
  private checkStall() {
    if (this.closed || this.readerWaiting || this.slots.length <= this.options.maxUnread) return;
    const idle = Date.now() - this.lastPullAt;
    if (idle >= this.options.stallMs) return this.overflow('slow_client', 0);
    this.stallTimer ??= setTimeout(() => {
      this.stallTimer = null;
      this.checkStall();
    }, this.options.stallMs - idle);
    this.stallTimer.unref();
  }

  /** Keeps the resolved prefix for the reader, drops the rest, and ends with the drop's error. */
  private overflow(reason: DropReason, extra: number) {
    let kept = 0;
    while (kept < this.slots.length && this.slots[kept]!.outcome) kept += 1;
    this.end(null, this.slots.length - kept + extra, reason, kept);
  }

  private end(error: Error | null, dropped: number, reason?: DropReason, keep = 0) {
    if (this.closed) return;
    this.closed = true;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    const abandoned = this.slots.splice(keep);
    for (const slot of abandoned) {
      slot.abandoned = true;
      if (!slot.outcome) this.options.onSettled?.(slot.event, slot.started, null);
    }
    this.waitingByKey.clear();
    this.started = Math.min(this.started, this.slots.length);
    if (reason) {
      const reported = this.options.onDrop(reason, dropped);
      this.failure = error ?? reported;
    }
    this.options.onClose();
    this.signal();
  }

  private signal() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
