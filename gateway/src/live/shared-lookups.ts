/**
 * Lookup results shared by every subscriber one event reaches with the same lookup query (see
 * `audienceMaySee` on `@live`). The first subscriber to get to the event resolves it; the others
 * reuse that result. An entry lives until every subscriber that queued the event has taken it, or
 * until `ttlMs` passes for subscribers that left without taking theirs.
 */
export class SharedLookups<R> {
  private readonly entries = new Map<string, { result?: Promise<R>; waiting: number; expiry: NodeJS.Timeout }>();

  constructor(private readonly ttlMs: number) {}

  get size() {
    return this.entries.size;
  }

  /** A subscriber queued the event: keep its result until that subscriber takes it. */
  expect(key: string) {
    this.entry(key).waiting += 1;
  }

  /** The event's result, resolved with `resolve` by the first subscriber to ask. */
  take(key: string, resolve: () => Promise<R>): { result: Promise<R>; resolvedHere: boolean } {
    const entry = this.entry(key);
    const resolvedHere = !entry.result;
    entry.result ??= resolve();
    entry.waiting -= 1;
    if (entry.waiting <= 0) this.drop(key);
    return { result: entry.result, resolvedHere };
  }

  /** A subscriber that queued the event will not take it after all (it left, or a newer event replaced it). */
  release(key: string) {
    const entry = this.entries.get(key);
    if (entry && --entry.waiting <= 0) this.drop(key);
  }

  clear() {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private entry(key: string) {
    let entry = this.entries.get(key);
    if (!entry) {
      const expiry = setTimeout(() => this.drop(key), this.ttlMs);
      expiry.unref();
      entry = { waiting: 0, expiry };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private drop(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.expiry);
    this.entries.delete(key);
  }
}
