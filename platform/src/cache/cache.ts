/**
 * A key-value cache with expiry and atomic counters: rate limits, login throttles and read models.
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
  close(): Promise<void>;
}
