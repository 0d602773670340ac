/**
 * A key-value cache with expiry, atomic counters and sorted sets: rate limits, login throttles and
 * read models.
 * MemoryCache serves one process (embedded mode); RedisCache is shared by every process.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Adds one and returns the new value; the first increment starts the key's expiry window. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /** Seconds until the key expires, or null when it does not exist or never expires. */
  ttl(key: string): Promise<number | null>;
  /**
   * Sorted sets of strings ordered by the strings themselves (bytewise, like Redis's lexicographic
   * ranges), for read models such as timelines whose members are time-ordered ids (UUIDv7).
   * Adds every member to every key. `keep` trims each set to its `keep` greatest members;
   * `ttlSeconds` (re)sets each key's expiry; `onlyIfExists` skips keys that do not exist, so a
   * fan-out never creates a partial set for a key nobody has built.
   */
  sortedAdd(
    keys: string[],
    members: string[],
    options?: { keep?: number; ttlSeconds?: number; onlyIfExists?: boolean },
  ): Promise<void>;
  /** Removes every member from every key; a set left empty disappears. */
  sortedRemove(keys: string[], members: string[]): Promise<void>;
  /** Up to `limit` members in descending order, strictly below `below` and strictly above `above` when given. */
  sortedRange(key: string, options: { below?: string; above?: string; limit: number }): Promise<string[]>;
  /** Whether the set holds `member`; false when the key does not exist. */
  sortedHas(key: string, member: string): Promise<boolean>;
  close(): Promise<void>;
}
