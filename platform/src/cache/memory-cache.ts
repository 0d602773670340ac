import type { Cache } from './cache.js';

interface Expiring {
  expiresAt: number | null;
}

interface Entry extends Expiring {
  value: string;
}

interface SortedSet extends Expiring {
  /** Ascending and without duplicates. */
  members: string[];
}

export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly sets = new Map<string, SortedSet>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    // Expired keys are dropped lazily on read; the sweep bounds memory for keys nobody reads again.
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  async get(key: string) {
    return this.live(this.entries, key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    this.entries.set(key, { value, expiresAt: expiry(ttlSeconds) });
  }

  async delete(key: string) {
    this.entries.delete(key);
    this.sets.delete(key);
  }

  async increment(key: string, ttlSeconds: number) {
    const entry = this.live(this.entries, key);
    const value = (entry ? Number(entry.value) : 0) + 1;
    this.entries.set(key, { value: String(value), expiresAt: entry?.expiresAt ?? expiry(ttlSeconds) });
    return value;
  }

  async ttl(key: string) {
    const entry = this.live(this.entries, key) ?? this.live(this.sets, key);
    return entry?.expiresAt ? Math.ceil((entry.expiresAt - Date.now()) / 1000) : null;
  }

  async sortedAdd(
    keys: string[],
    members: string[],
    options: { keep?: number; ttlSeconds?: number; onlyIfExists?: boolean } = {},
  ) {
    if (!members.length) return;
    for (const key of keys) {
      let set = this.live(this.sets, key);
      if (!set) {
        if (options.onlyIfExists) continue;
        set = { members: [], expiresAt: null };
        this.sets.set(key, set);
      }
      for (const member of members) {
        const at = search(set.members, member);
        if (set.members[at] !== member) set.members.splice(at, 0, member);
      }
      if (options.keep !== undefined) set.members.splice(0, Math.max(0, set.members.length - options.keep));
      if (options.ttlSeconds) set.expiresAt = expiry(options.ttlSeconds);
      if (!set.members.length) this.sets.delete(key);
    }
  }

  async sortedRemove(keys: string[], members: string[]) {
    for (const key of keys) {
      const set = this.live(this.sets, key);
      if (!set) continue;
      for (const member of members) {
        const at = search(set.members, member);
        if (set.members[at] === member) set.members.splice(at, 1);
      }
      if (!set.members.length) this.sets.delete(key);
    }
  }

  async sortedRange(key: string, { below, above, limit }: { below?: string; above?: string; limit: number }) {
    const members = this.live(this.sets, key)?.members ?? [];
    const end = below === undefined ? members.length : search(members, below);
    const start = above === undefined ? 0 : search(members, above, true);
    return limit > 0 ? members.slice(Math.max(start, end - limit), end).reverse() : [];
  }

  async sortedHas(key: string, member: string) {
    const members = this.live(this.sets, key)?.members ?? [];
    return members[search(members, member)] === member;
  }

  async close() {
    clearInterval(this.sweeper);
    this.entries.clear();
    this.sets.clear();
  }

  private live<T extends Expiring>(map: Map<string, T>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry?.expiresAt && entry.expiresAt <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep() {
    for (const key of this.entries.keys()) this.live(this.entries, key);
    for (const key of this.sets.keys()) this.live(this.sets, key);
  }
}

function expiry(ttlSeconds: number | undefined) {
  return ttlSeconds ? Date.now() + ttlSeconds * 1000 : null;
}

/**
 * Binary search in ascending `members`: the first index whose member is not below `member`, or with
 * `after` the first one above it. JS compares UTF-16 code units, which matches Redis's bytewise
 * order for ASCII (and for all of the BMP below the surrogates).
 */
function search(members: string[], member: string, after = false) {
  let low = 0;
  let high = members.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (members[middle] < member || (after && members[middle] === member)) low = middle + 1;
    else high = middle;
  }
  return low;
}
