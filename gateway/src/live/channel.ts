/**
 * A bounded queue read as an async iterator: events wait here while the previous one is being
 * resolved, so a subscriber gets them in order. When a slow subscriber lets it fill, the
 * subscription ends with an error instead of growing without bound.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private done = false;

  constructor(private readonly capacity: number, private readonly onClose: () => void) {}

  /** Returns false when the queue was full (and the channel has failed). */
  push(item: T): boolean {
    if (this.done) return true;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
      return true;
    }
    if (this.items.length >= this.capacity) {
      this.fail(new Error('Subscription fell too far behind and was closed; subscribe again to resume.'));
      return false;
    }
    this.items.push(item);
    return true;
  }

  fail(error: Error) {
    this.failure = error;
    this.finish();
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.items.length) return { value: this.items.shift()!, done: false };
    if (this.failure) throw this.failure;
    if (this.done) return { value: undefined, done: true };
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<T>> {
    this.finish();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private finish() {
    if (this.done) return;
    this.done = true;
    this.items.length = 0;
    this.onClose();
    if (this.waiting) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (this.failure) reject(this.failure);
      else resolve({ value: undefined, done: true });
    }
  }
}
