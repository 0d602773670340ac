import type { Cache } from './cache.js';

interface Entry {
  value: string;
  expiresAt: number | null;
}

export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    // Expired keys are dropped lazily on read; the sweep bounds memory for keys nobody reads again.
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  async get(key: string) {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    this.entries.set(key, { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : null });
  }

  async delete(key: string) {
    this.entries.delete(key);
  }

  async increment(key: string, ttlSeconds: number) {
    const entry = this.live(key);
    const value = (entry ? Number(entry.value) : 0) + 1;
    this.entries.set(key, { value: String(value), expiresAt: entry?.expiresAt ?? Date.now() + ttlSeconds * 1000 });
    return value;
  }

  async ttl(key: string) {
    const entry = this.live(key);
    return entry?.expiresAt ? Math.ceil((entry.expiresAt - Date.now()) / 1000) : null;
  }

  async close() {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep() {
    for (const key of this.entries.keys()) this.live(key);
  }
}
