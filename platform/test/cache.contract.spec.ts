import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cache } from '@peerlink/platform/cache/cache';
import { MemoryCache } from '@peerlink/platform/cache/memory-cache';
import { RedisCache } from '@peerlink/platform/cache/redis-cache';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Adapter {
  name: string;
  open(): Promise<{ cache: Cache; dispose(): Promise<void> }>;
}

const adapters: Adapter[] = [
  {
    name: 'MemoryCache',
    async open() {
      const cache = new MemoryCache();
      return { cache, dispose: () => cache.close() };
    },
  },
  {
    name: 'RedisCache',
    async open() {
      // A prefix per test keeps concurrent runs on one Redis apart; dispose deletes what it wrote.
      const prefix = `test_${randomBytes(6).toString('hex')}`;
      const cache = new RedisCache(REDIS_URL, prefix);
      return {
        cache,
        async dispose() {
          await cache.close();
          const redis = new Redis(REDIS_URL);
          const keys = await redis.keys(`${prefix}:*`);
          if (keys.length) await redis.del(...keys);
          expect(await redis.keys(`${prefix}:*`)).toEqual([]);
          await redis.quit();
        },
      };
    },
  },
];

describe.each(adapters)('Cache contract: $name', ({ open }) => {
  let cache: Cache;
  let dispose: () => Promise<void>;

  beforeEach(async () => {
    ({ cache, dispose } = await open());
  });
  afterEach(async () => {
    await dispose();
  });

  it('gets what was set, overwrites it, and forgets it when deleted', async () => {
    expect(await cache.get('greeting')).toBeNull();
    await cache.set('greeting', 'hello');
    expect(await cache.get('greeting')).toBe('hello');
    await cache.set('greeting', 'hi again');
    expect(await cache.get('greeting')).toBe('hi again');
    await cache.delete('greeting');
    expect(await cache.get('greeting')).toBeNull();
    await cache.delete('never-set');
  });

  it('keeps a value set without a TTL, which has no ttl()', async () => {
    await cache.set('forever', 'yes');
    expect(await cache.ttl('forever')).toBeNull();
    expect(await cache.ttl('missing')).toBeNull();
  });

  it('expires a value set with a TTL', async () => {
    await cache.set('short', 'lived', 1);
    expect(await cache.get('short')).toBe('lived');
    const ttl = await cache.ttl('short');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1);

    await waitFor('the value to expire', async () => (await cache.get('short')) === null, 3_000);
    expect(await cache.ttl('short')).toBeNull();
  });

  it('increments atomically under concurrency', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.increment('hits', 60)));
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await cache.get('hits')).toBe('100');
  });

  it('starts an expiry window with the first increment and does not extend it', async () => {
    expect(await cache.increment('window', 1)).toBe(1);
    expect(await cache.increment('window', 3600)).toBe(2);
    const ttl = await cache.ttl('window');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1);

    await waitFor('the window to close', async () => (await cache.get('window')) === null, 3_000);
    expect(await cache.increment('window', 60)).toBe(1);
    expect(await cache.ttl('window')).toBeGreaterThan(1);
  });
});
