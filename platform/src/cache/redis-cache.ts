import { Redis } from 'ioredis';
import type { Cache } from './cache.js';

export class RedisCache implements Cache {
  private readonly redis: Redis;

  /** `prefix` keeps deployments (and test runs) that share one Redis apart. */
  constructor(url: string, private readonly prefix: string) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3, keyPrefix: `${prefix}:` });
  }

  async get(key: string) {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    if (ttlSeconds) await this.redis.set(key, value, 'EX', ttlSeconds);
    else await this.redis.set(key, value);
  }

  async delete(key: string) {
    await this.redis.del(key);
  }

  async increment(key: string, ttlSeconds: number) {
    const [[, value]] = (await this.redis.multi().incr(key).expire(key, ttlSeconds, 'NX').exec()) as [[null, number]];
    return value;
  }

  async ttl(key: string) {
    const seconds = await this.redis.ttl(key);
    return seconds >= 0 ? seconds : null;
  }

  async close() {
    await this.redis.quit();
  }
}
