import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryCache } from '@peerlink/platform/cache/memory-cache';
import { RateLimiter, queryLimitsRule, type QueryLimits } from '@peerlink/gateway/limits';
import { InfrastructureUnavailable } from '@peerlink/platform/errors';

const schema = buildSchema(`
  type Query { me: User, user(id: ID!): User }
  type User { id: ID!, name: String, friends: [User!]!, posts: [Post!]! }
  type Post { id: ID!, title: String, author: User }
`);

const generous: QueryLimits = {
  maxDepth: 100,
  maxFields: 1_000,
  maxAliases: 100,
  maxDirectives: 100,
  maxIntrospectionCost: 50_000,
};

/** The messages our rule alone reports for `source`. */
function check(source: string, limits: Partial<QueryLimits> = {}) {
  return validate(schema, parse(source), [queryLimitsRule({ ...generous, ...limits })]).map((e) => e.message);
}

describe('queryLimitsRule', () => {
  it('measures depth in levels of fields', () => {
    const query = 'query Deep { me { friends { friends { name } } } }';
    expect(check(query, { maxDepth: 4 })).toEqual([]);
    expect(check(query, { maxDepth: 3 })).toEqual(['Operation Deep is 4 levels deep; the limit is 3.']);
  });

  it('counts depth through named and inline fragments', () => {
    const named = `
      query { me { ...Circle } }
      fragment Circle on User { friends { ...Names } }
      fragment Names on User { friends { name } }`;
    expect(check(named, { maxDepth: 3 })).toEqual(['Operation anonymous is 4 levels deep; the limit is 3.']);
    expect(check(named, { maxDepth: 4 })).toEqual([]);

    const inline = '{ me { ... on User { friends { ... { posts { title } } } } } }';
    expect(check(inline, { maxDepth: 3 })).toEqual(['Operation anonymous is 4 levels deep; the limit is 3.']);
  });

  it('counts every field, once per place a fragment is spread, but not introspection fields', () => {
    const query = `
      query Wide { __typename me { ...Card } user(id: "1") { ...Card friends { ... on User { id } } } }
      fragment Card on User { __typename id name }`;
    // me, user, friends, friends.id, and Card's two fields twice.
    expect(check(query, { maxFields: 8 })).toEqual([]);
    expect(check(query, { maxFields: 7 })).toEqual(['Operation Wide selects 8 fields; the limit is 7.']);
  });

  it('counts aliases through fragments', () => {
    const query = `
      query Aliased { first: me { ...Names } second: user(id: "2") { ... on User { handle: name } } }
      fragment Names on User { shown: name hidden: id }`;
    expect(check(query, { maxAliases: 5 })).toEqual([]);
    expect(check(query, { maxAliases: 4 })).toEqual(['Operation Aliased uses 5 aliases; the limit is 4.']);
  });

  it('counts directives once per place a fragment is spread', () => {
    const query = `
      query Flagged($a: Boolean!) { me @include(if: $a) { ...Shown } user(id: "1") { ...Shown } }
      fragment Shown on User { id @skip(if: false) name @include(if: true) }`;
    // One on me, and two in Shown, spread twice.
    expect(check(query, { maxDirectives: 5 })).toEqual([]);
    expect(check(query, { maxDirectives: 4 })).toEqual(['Operation Flagged uses 5 directives; the limit is 4.']);
  });

  it('reports every limit an operation breaks, per operation', () => {
    const document = `
      query Small { me { id } }
      query Big { a: me { friends { id } } b: me { id } }`;
    expect(check(document, { maxDepth: 2, maxFields: 4, maxAliases: 1 })).toEqual([
      'Operation Big is 3 levels deep; the limit is 2.',
      'Operation Big selects 5 fields; the limit is 4.',
      'Operation Big uses 2 aliases; the limit is 1.',
    ]);
  });

  it('terminates on fragment cycles, which graphql reports', () => {
    const cyclic = `
      query { me { ...A } }
      fragment A on User { friends { ...B } }
      fragment B on User { name ...A }`;
    expect(check(cyclic)).toEqual([]);
    const errors = validate(schema, parse(cyclic), [...specifiedRules, queryLimitsRule(generous)]);
    expect(errors.map((e) => e.message)).toContain('Cannot spread fragment "A" within itself via "B".');
  });

  it('measures fragments spread into each other exponentially often in linear time', () => {
    // Each fragment spreads the next twice: 2^40 leaves from a document of a few lines.
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on User { id }` : `fragment F${i} on User { ...F${i + 1} ...F${i + 1} }`,
    );
    const document = `query Bomb { me { ...F0 } } ${fragments.join('\n')}`;

    const started = Date.now();
    expect(check(document, { maxFields: 250 })).toEqual([
      `Operation Bomb selects ${2 ** 39 + 1} fields; the limit is 250.`,
    ]);
    // Introspection leaves are not counted, so nothing but the walk itself bounds this one.
    expect(check(document.replace('{ id }', '{ __typename }'), { maxFields: 250 })).toEqual([]);
    const errors = validate(schema, parse(document), [
      ...specifiedRules,
      queryLimitsRule({ ...generous, maxFields: 250 }),
    ]);
    expect(errors.map((e) => e.message)).toContain(`Operation Bomb selects ${2 ** 39 + 1} fields; the limit is 250.`);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('RateLimiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows perMinute requests per client over a sliding minute, then says when to retry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T12:00:45Z'));
    const cache = new MemoryCache();
    const limiter = new RateLimiter(cache, 3);

    expect([await limiter.take('alice'), await limiter.take('alice'), await limiter.take('alice')]).toEqual([0, 0, 0]);
    expect(await limiter.take('alice')).toBe(15);
    expect(await limiter.take('bob')).toBe(0);

    // A new minute does not forgive a burst from fifteen seconds ago.
    vi.setSystemTime(new Date('2026-03-01T12:01:00Z'));
    expect(await limiter.take('alice')).toBeGreaterThan(0);

    // By 12:01:50 only a sixth of the earlier minute still counts: 4/6 + 2 is within 3.
    vi.setSystemTime(new Date('2026-03-01T12:01:50Z'));
    expect(await limiter.take('alice')).toBe(0);
    await cache.close();
  });

  it('lets requests through while the cache is away, but not past its own bugs', async () => {
    const away = new MemoryCache();
    away.increment = () => Promise.reject(new InfrastructureUnavailable('The cache is unavailable'));
    expect(await new RateLimiter(away, 1).take('alice')).toBe(0);
    expect(await new RateLimiter(away, 1).take('alice')).toBe(0);

    const broken = new MemoryCache();
    broken.increment = () => Promise.reject(new TypeError('a bug'));
    await expect(new RateLimiter(broken, 1).take('alice')).rejects.toThrow('a bug');
  });

  it('counts concurrent requests exactly', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
    const cache = new MemoryCache();
    const limiter = new RateLimiter(cache, 10);

    const results = await Promise.all(Array.from({ length: 15 }, () => limiter.take('crowd')));
    expect(results.filter((r) => r === 0)).toHaveLength(10);
    expect(results.filter((r) => r === 60)).toHaveLength(5);
    await cache.close();
  });

  it('never limits when perMinute is 0', async () => {
    const cache = new MemoryCache();
    const limiter = new RateLimiter(cache, 0);
    for (let i = 0; i < 5; i++) expect(await limiter.take('anyone')).toBe(0);
    expect(await cache.get(`rate:anyone:${Math.floor(Date.now() / 60_000)}`)).toBeNull();
    await cache.close();
  });
});
