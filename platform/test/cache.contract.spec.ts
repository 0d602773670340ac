import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cache } from '@peerlink/platform/cache/cache';
import { MemoryCache } from '@peerlink/platform/cache/memory-cache';
import { RedisCache } from '@peerlink/platform/cache/redis-cache';
import { InfrastructureUnavailable } from '@peerlink/platform/errors';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { TcpProxy } from '../../e2e/support/tcp-proxy.js';

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
      const cache = await RedisCache.connect(REDIS_URL, prefix);
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

  // Time-ordered ids like UUIDv7; '~' sorts above every hex digit and '!' below, as marker members.
  const [early, middle, late] = [
    '0190f0a1-7c2e-7000-8a00-000000000001',
    '0190f0a1-7c2e-7000-8a00-00000000000a',
    '0190f0a2-0000-7000-8a00-000000000000',
  ];

  it('keeps sorted-set members once each, ordered bytewise, and ranges over them descending', async () => {
    await cache.sortedAdd(['timeline'], [middle, '~', late]);
    await cache.sortedAdd(['timeline'], [early, '!', middle, '~']);
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual(['~', late, middle, early, '!']);
    expect(await cache.sortedRange('timeline', { limit: 2 })).toEqual(['~', late]);
    expect(await cache.sortedHas('timeline', middle)).toBe(true);
    expect(await cache.sortedHas('timeline', '~')).toBe(true);
    expect(await cache.sortedHas('timeline', 'absent')).toBe(false);
    expect(await cache.sortedHas('missing', middle)).toBe(false);
    expect(await cache.sortedRange('missing', { limit: 10 })).toEqual([]);
    expect(await cache.ttl('timeline')).toBeNull();
  });

  it('ranges strictly below and strictly above the given bounds', async () => {
    await cache.sortedAdd(['timeline'], ['!', early, middle, late, '~']);
    expect(await cache.sortedRange('timeline', { below: '~', limit: 10 })).toEqual([late, middle, early, '!']);
    expect(await cache.sortedRange('timeline', { below: '~', limit: 2 })).toEqual([late, middle]);
    expect(await cache.sortedRange('timeline', { below: late, limit: 10 })).toEqual([middle, early, '!']);
    expect(await cache.sortedRange('timeline', { above: middle, limit: 10 })).toEqual(['~', late]);
    expect(await cache.sortedRange('timeline', { below: '~', above: '!', limit: 10 })).toEqual([late, middle, early]);
    expect(await cache.sortedRange('timeline', { below: '~', above: '!', limit: 1 })).toEqual([late]);
    // Bounds need not be members.
    expect(await cache.sortedRange('timeline', { below: 'z', above: '0', limit: 10 })).toEqual([late, middle, early]);
    expect(await cache.sortedRange('timeline', { below: middle, above: early, limit: 10 })).toEqual([]);
    expect(await cache.sortedRange('missing', { below: '~', above: '!', limit: 10 })).toEqual([]);
  });

  it('treats empty keys or empty members as a no-op', async () => {
    await cache.sortedAdd([], ['a'], { ttlSeconds: 60 });
    await cache.sortedAdd(['timeline'], [], { ttlSeconds: 60 });
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual([]);
    expect(await cache.ttl('timeline')).toBeNull();

    await cache.sortedAdd(['timeline'], ['a']);
    await cache.sortedRemove([], ['a']);
    await cache.sortedRemove(['timeline'], []);
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual(['a']);
  });

  it('trims each set to its keep greatest members', async () => {
    await cache.sortedAdd(['timeline', 'other'], ['a', 'b', 'c', 'd', 'e'], { keep: 3 });
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual(['e', 'd', 'c']);
    expect(await cache.sortedRange('other', { limit: 10 })).toEqual(['e', 'd', 'c']);
    await cache.sortedAdd(['timeline'], ['b'], { keep: 3 });
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual(['e', 'd', 'c']);
    await cache.sortedAdd(['timeline'], ['f'], { keep: 3 });
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual(['f', 'e', 'd']);
    await cache.sortedAdd(['timeline'], ['a']);
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual(['f', 'e', 'd', 'a']);
  });

  it('adds only to sets that exist when onlyIfExists is set', async () => {
    await cache.sortedAdd(['built'], [early]);
    await cache.sortedAdd(['built', 'unbuilt'], [late], { onlyIfExists: true, ttlSeconds: 60 });
    expect(await cache.sortedRange('built', { limit: 10 })).toEqual([late, early]);
    expect(await cache.ttl('built')).toBeGreaterThan(0);
    expect(await cache.sortedHas('unbuilt', late)).toBe(false);
    expect(await cache.sortedRange('unbuilt', { limit: 10 })).toEqual([]);
    expect(await cache.ttl('unbuilt')).toBeNull();
  });

  it('expires a sorted set with a TTL, which each add with a TTL resets', async () => {
    await cache.sortedAdd(['timeline'], [early], { ttlSeconds: 3600 });
    expect(await cache.ttl('timeline')).toBeGreaterThan(1);
    await cache.sortedAdd(['timeline'], [late], { ttlSeconds: 1 });
    const ttl = await cache.ttl('timeline');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1);
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual([late, early]);

    await waitFor('the set to expire', async () => !(await cache.sortedHas('timeline', early)), 3_000);
    expect(await cache.sortedRange('timeline', { limit: 10 })).toEqual([]);
    expect(await cache.ttl('timeline')).toBeNull();
    await cache.sortedAdd(['timeline'], [middle], { onlyIfExists: true });
    expect(await cache.sortedHas('timeline', middle)).toBe(false);
  });

  it('removes members, drops a set left empty, and deletes a set', async () => {
    await cache.sortedAdd(['one', 'two'], [early, middle], { ttlSeconds: 60 });
    await cache.sortedRemove(['one', 'two', 'missing'], [early, 'absent']);
    expect(await cache.sortedRange('one', { limit: 10 })).toEqual([middle]);
    expect(await cache.sortedRange('two', { limit: 10 })).toEqual([middle]);

    await cache.sortedRemove(['one'], [middle]);
    expect(await cache.sortedHas('one', middle)).toBe(false);
    expect(await cache.ttl('one')).toBeNull();
    await cache.sortedAdd(['one'], [late], { onlyIfExists: true });
    expect(await cache.sortedRange('one', { limit: 10 })).toEqual([]);

    await cache.delete('two');
    expect(await cache.sortedHas('two', middle)).toBe(false);
    expect(await cache.ttl('two')).toBeNull();
  });

  it('fans out to thousands of keys and adds thousands of members at once', async () => {
    const keys = Array.from({ length: 1_201 }, (_, i) => `timeline:${i}`);
    await cache.sortedAdd(keys, [early, late], { keep: 1_000, ttlSeconds: 60 });
    for (const key of [keys[0], keys[499], keys[500], keys[1_200]]) {
      expect(await cache.sortedRange(key, { limit: 10 })).toEqual([late, early]);
    }

    const members = Array.from({ length: 2_500 }, (_, i) => `m${String(i).padStart(5, '0')}`);
    await cache.sortedAdd(['big'], [...members].reverse(), { keep: 2_001 });
    expect(await cache.sortedRange('big', { limit: 3 })).toEqual(['m02499', 'm02498', 'm02497']);
    expect(await cache.sortedRange('big', { below: 'm02000', above: 'm01995', limit: 10 })).toEqual([
      'm01999',
      'm01998',
      'm01997',
      'm01996',
    ]);
    expect(await cache.sortedRange('big', { below: 'm00501', limit: 5 })).toEqual(['m00500', 'm00499']);
    expect(await cache.sortedHas('big', 'm00498')).toBe(false);
  });
});

describe('RedisCache', () => {
  it('prefixes the keys of its sorted-set script like any other key', async () => {
    const prefix = `test_${randomBytes(6).toString('hex')}`;
    const cache = await RedisCache.connect(REDIS_URL, prefix);
    const redis = new Redis(REDIS_URL);
    try {
      await cache.sortedAdd(['timeline:1'], ['b', 'a'], { ttlSeconds: 60 });
      expect(await redis.keys(`${prefix}:*`)).toEqual([`${prefix}:timeline:1`]);
      expect(await redis.zrange(`${prefix}:timeline:1`, '0', '-1', 'WITHSCORES')).toEqual(['a', '0', 'b', '0']);
    } finally {
      await cache.close();
      await redis.del(`${prefix}:timeline:1`);
      await redis.quit();
    }
  });

  it('stops asking a Redis that no longer answers for a few seconds, then asks again', async () => {
    const address = new URL(REDIS_URL);
    const proxy = new TcpProxy({ host: address.hostname, port: Number(address.port || 6379) });
    const cache = await RedisCache.connect(
      `redis://127.0.0.1:${await proxy.start()}`,
      `test_${randomBytes(6).toString('hex')}`,
    );
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => null,
        (error: unknown) => error as Error,
      );
    try {
      await cache.set('k', 'v', 60);
      proxy.stall();
      // The first command waits out the timeout; the next is refused without asking Redis at all.
      const timedOut = await failure(cache.get('k'));
      expect(timedOut).toBeInstanceOf(InfrastructureUnavailable);
      expect((timedOut!.cause as Error).message).toBe('Command timed out');
      const resting = await failure(cache.get('k'));
      expect(resting).toBeInstanceOf(InfrastructureUnavailable);
      expect(resting!.cause).toBeUndefined();
      proxy.flow();
      expect(await waitFor('the cache to be asked again', () => cache.get('k').catch(() => null), 15_000)).toBe('v');
    } finally {
      proxy.flow();
      await cache.delete('k').catch(() => {});
      await cache.close();
      await proxy.stop();
    }
  });

  it('lets a wrong command fail as itself, not as an outage to wait out', async () => {
    const cache = await RedisCache.connect(REDIS_URL, `test_${randomBytes(6).toString('hex')}`);
    try {
      await cache.set('plain', 'v', 60);
      const wrongType = await cache.sortedHas('plain', 'm').catch((error: unknown) => error);
      expect(wrongType).toBeInstanceOf(Error);
      expect(wrongType).not.toBeInstanceOf(InfrastructureUnavailable);
      expect((wrongType as Error).message).toMatch(/WRONGTYPE/);
    } finally {
      await cache.delete('plain');
      await cache.close();
    }
  });

  it('fails with InfrastructureUnavailable while Redis is away, and serves again when it is back', async () => {
    const address = new URL(REDIS_URL);
    const proxy = new TcpProxy({ host: address.hostname, port: Number(address.port || 6379) });
    const cache = await RedisCache.connect(
      `redis://127.0.0.1:${await proxy.start()}`,
      `test_${randomBytes(6).toString('hex')}`,
    );
    try {
      await cache.set('k', 'v', 60);
      await proxy.cut();
      await expect(
        waitFor(
          'the cache to notice',
          async () => (await cache.get('k').catch((error: unknown) => error)) instanceof InfrastructureUnavailable,
        ),
      ).resolves.toBe(true);
      await expect(cache.increment('n', 60)).rejects.toBeInstanceOf(InfrastructureUnavailable);
      await proxy.start();
      expect(await waitFor('the cache to come back', () => cache.get('k').catch(() => null))).toBe('v');
    } finally {
      await cache.delete('k').catch(() => {});
      await cache.close();
      await proxy.stop();
    }
  });
});
