import type { FormattedExecutionResult } from 'graphql';
import { identityKey, type InternalIdentity } from '@peerlink/platform/auth/internal-token';
import type { LookupBatch } from '@peerlink/platform/graphql/lookup-batch';

export interface LookupBatchLimits {
  /** How long the first lookup of a batch waits for others to join it. */
  windowMs: number;
  /** Lookups per batch at most; a full batch goes at once. */
  maxItems: number;
  /** Batches on their way to one subgraph at once; more wait, gathering further lookups. */
  maxInFlight: number;
}

/** One subgraph call of a live event's query plan, made as one recipient. */
export interface LiveLookup {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  identity: InternalIdentity;
}

interface Waiting<T, R> {
  item: T;
  queuedAt: number;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Coalesces one subgraph's calls into batches: an event's fan-out (an announcement's thousand
 * notifications, a post reaching its author's followers) becomes a few requests instead of one per
 * subscriber. A batch goes when it is full or its first call has waited `windowMs`, with at most
 * `maxInFlight` on their way; while all are, calls keep gathering, so a burst costs fewer, larger
 * batches rather than a queue of small ones. A batch that fails fails each of its calls.
 */
export class LookupBatcher<T, R> {
  private readonly queue: Waiting<T, R>[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limits: LookupBatchLimits,
    private readonly send: (items: T[]) => Promise<R[]>,
    private readonly onBatch?: (size: number) => void,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, queuedAt: performance.now(), resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.queue.length && this.inFlight < this.limits.maxInFlight) {
      const waited = performance.now() - this.queue[0]!.queuedAt;
      if (this.queue.length < this.limits.maxItems && waited < this.limits.windowMs) {
        this.timer ??= setTimeout(
          () => {
            this.timer = null;
            this.pump();
          },
          Math.max(1, Math.ceil(this.limits.windowMs - waited)),
        );
        return;
      }
      this.dispatch(this.queue.splice(0, this.limits.maxItems));
    }
  }

  private dispatch(batch: Waiting<T, R>[]) {
    this.inFlight += 1;
    this.onBatch?.(batch.length);
    let sent: Promise<R[]>;
    try {
      sent = this.send(batch.map((w) => w.item));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent
      .then((results) => {
        if (results.length !== batch.length)
          throw new Error(`A lookup batch of ${batch.length} came back with ${results.length} results`);
        for (const [i, waiting] of batch.entries()) waiting.resolve(results[i]!);
      })
      .catch((error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      })
      .finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
  }
}

/** The wire form of a batch: each distinct query and identity listed once, items pointing at them. */
export function toLookupBatch(lookups: readonly LiveLookup[]): LookupBatch {
  const queries = new Map<string, number>();
  const identities = new Map<string, number>();
  const batch: LookupBatch = { queries: [], identities: [], items: [] };
  for (const lookup of lookups) {
    let query = queries.get(lookup.query);
    if (query === undefined) {
      query = batch.queries.push(lookup.query) - 1;
      queries.set(lookup.query, query);
    }
    const key = identityKey(lookup.identity);
    let identity = identities.get(key);
    if (identity === undefined) {
      identity = batch.identities.push(lookup.identity) - 1;
      identities.set(key, identity);
    }
    batch.items.push({ query, identity, variables: lookup.variables, operationName: lookup.operationName });
  }
  return batch;
}

/**
 * What a subscriber gets for an event whose lookup failed outright: the event, with no data and a
 * coded error to retry by, rather than an ended subscription.
 */
export function lookupUnavailable(alias: string): FormattedExecutionResult {
  return {
    data: null,
    errors: [
      {
        message: 'A service did not answer in time; this event could not be looked up.',
        path: [alias],
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      },
    ],
  };
}
