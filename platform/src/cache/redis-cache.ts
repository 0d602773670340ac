import { type ChainableCommander, Redis, ReplyError } from 'ioredis';
import { InfrastructureUnavailable } from '../errors.js';
import type { Cache } from './cache.js';

/** Keys per script call, so that a fan-out to thousands of keys never blocks Redis for long. */
const KEYS_PER_CALL = 500;

/**
 * KEYS: the sets; ARGV: keep, ttlSeconds, onlyIfExists ('1'), then the members. Every score is 0,
 * so Redis orders members bytewise. ZADD takes 1000 members at a time to stay within Lua's stack.
 */
const SORTED_ADD = `
local keep, ttl, onlyIfExists = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local chunks = {}
for i = 4, #ARGV, 1000 do
  local chunk = {}
  for j = i, math.min(i + 999, #ARGV) do
    chunk[#chunk + 1] = 0
    chunk[#chunk + 1] = ARGV[j]
  end
  chunks[#chunks + 1] = chunk
end
for _, key in ipairs(KEYS) do
  if not onlyIfExists or redis.call('EXISTS', key) == 1 then
    for _, chunk in ipairs(chunks) do redis.call('ZADD', key, unpack(chunk)) end
    if keep then redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1)) end
    if ttl then redis.call('EXPIRE', key, ttl) end
  end
end`;

/** The command `defineCommand` adds; ioredis applies `keyPrefix` to its KEYS as to any key. */
interface SortedAddCommand {
  cacheSortedAdd(keyCount: number, ...keysThenArgs: (string | number)[]): unknown;
}

export class RedisCache implements Cache {
  /** Until then commands fail at once, without asking Redis: it stopped answering (see `available`). */
  private restingUntil = 0;

  private constructor(private readonly redis: Redis) {
    this.redis.defineCommand('cacheSortedAdd', { lua: SORTED_ADD });
  }

  /**
   * Connects before anything is asked, so a wrong REDIS_URL fails at start. Later, while Redis is
   * away, commands fail at once rather than queueing (callers do without the cache, or say so) and
   * a command Redis does not answer fails after two seconds; reconnection is automatic.
   * `prefix` keeps deployments (and test runs) that share one Redis apart.
   */
  static async connect(url: string, prefix: string): Promise<RedisCache> {
    const redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      connectTimeout: 2000,
      keyPrefix: `${prefix}:`,
    });
    // Failed reconnections are reported to the commands that meet them; unheard, ioredis would print each.
    redis.on('error', () => {});
    await redis.connect();
    return new RedisCache(redis);
  }

  async get(key: string) {
    return this.available(() => this.redis.get(key));
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    return this.available(async () => {
      if (ttlSeconds) await this.redis.set(key, value, 'EX', ttlSeconds);
      else await this.redis.set(key, value);
    });
  }

  async delete(key: string) {
    return this.available(async () => {
      await this.redis.del(key);
    });
  }

  async increment(key: string, ttlSeconds: number) {
    return this.available(async () => {
      const [[, value]] = (await this.redis.multi().incr(key).expire(key, ttlSeconds, 'NX').exec()) as [[null, number]];
      return value;
    });
  }

  async ttl(key: string) {
    return this.available(async () => {
      const seconds = await this.redis.ttl(key);
      return seconds >= 0 ? seconds : null;
    });
  }

  async sortedAdd(
    keys: string[],
    members: string[],
    options: { keep?: number; ttlSeconds?: number; onlyIfExists?: boolean } = {},
  ) {
    return this.available(async () => {
      if (!keys.length || !members.length) return;
      const args = [options.keep ?? '', options.ttlSeconds || '', options.onlyIfExists ? '1' : '0', ...members];
      const pipeline = this.redis.pipeline();
      for (let i = 0; i < keys.length; i += KEYS_PER_CALL) {
        const chunk = keys.slice(i, i + KEYS_PER_CALL);
        (pipeline as unknown as SortedAddCommand).cacheSortedAdd(chunk.length, ...chunk, ...args);
      }
      await run(pipeline);
    });
  }

  async sortedRemove(keys: string[], members: string[]) {
    return this.available(async () => {
      if (!keys.length || !members.length) return;
      const pipeline = this.redis.pipeline();
      for (const key of keys) pipeline.zrem(key, ...members);
      await run(pipeline);
    });
  }

  async sortedRange(key: string, { below, above, limit }: { below?: string; above?: string; limit: number }) {
    return this.available(async () => {
      if (limit <= 0) return []; // Redis reads a negative count as "no limit".
      return this.redis.zrevrangebylex(
        key,
        below === undefined ? '+' : `(${below}`,
        above === undefined ? '-' : `(${above}`,
        'LIMIT',
        0,
        limit,
      );
    });
  }

  async sortedHas(key: string, member: string) {
    return this.available(async () => (await this.redis.zscore(key, member)) !== null);
  }

  /**
   * Redis away (refused, timed out, reconnecting, or saying it cannot serve now) as the one error
   * callers know to handle; a bug stays what it is, so it does not pass for an outage. A Redis that
   * stops answering without closing its connections (a network partition) would cost every command
   * the two-second timeout: after one times out, the next few seconds' commands fail at once.
   */
  private async available<T>(command: () => Promise<T>): Promise<T> {
    if (Date.now() < this.restingUntil)
      throw new InfrastructureUnavailable('The cache is not answering; it is asked again in a few seconds.');
    try {
      return await command();
    } catch (error) {
      if (isBug(error)) throw error;
      if ((error as Error)?.message === 'Command timed out') this.restingUntil = Date.now() + RESTING_MS;
      throw new InfrastructureUnavailable('The cache is unavailable.', { cause: error });
    }
  }

  async close() {
    // QUIT needs Redis; without it there is only the socket to drop.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Replies by which Redis says it cannot serve just now, rather than that the command is wrong. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|BUSY|MASTERDOWN|OOM|MISCONF|TRYAGAIN|CLUSTERDOWN)\b/;
/** How long a cache that stopped answering is left alone before it is asked again. */
const RESTING_MS = 5_000;

/** A wrong command (WRONGTYPE, a script error) or our own bug: waiting for Redis would never fix it. */
const isBug = (error: unknown) =>
  error instanceof TypeError ||
  error instanceof RangeError ||
  (error instanceof ReplyError && !UNAVAILABLE_REPLY.test((error as Error).message));

/** Pipelines report each command's error in their result; this rethrows the first one. */
async function run(pipeline: ChainableCommander) {
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}
