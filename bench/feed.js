/**
 * `npm run bench:feed`: the home feed at scale. Seeds 10,000 users with a power-law follow graph
 * and 200,000 posts straight into the databases (registering 10,000 users through the API would
 * spend minutes hashing passwords and measure nothing about feeds), then measures through the
 * gateway, on the production layout (each process on its own, on PostgreSQL, NATS and Redis):
 *
 *   - `feed(first: 20)` with warm timelines: 1 connection (latency) and BENCH_CONNECTIONS (throughput);
 *   - the same after the timelines are flushed from Redis, every request rebuilding one from Postgres;
 *   - fan-out: from `createPost` by an account with 5,000 followers until the post is in all 5,000
 *     (existing) timelines in Redis;
 *   - live fan-out: the same 5,000 followers each on their own graphql-ws socket subscribed to
 *     `feedUpdated`, from `createPost` until each socket receives the post (issue 12's target:
 *     p99 under 1 s).
 *
 * With BENCH_EMBEDDED=1 it runs the stack as `npm start` does (one process; PGlite, the in-process bus,
 * the memory cache), seeds the same data into PGlite while the stack is stopped, and measures only the
 * live fan-out (the other measures read and flush Redis), writing bench/FEED-EMBEDDED-RESULTS.md.
 *
 * Writes bench/FEED-RESULTS.md. Knobs: FEED_BENCH_USERS (10000), FEED_BENCH_POSTS (200000),
 * FEED_BENCH_FOLLOWS (40, the mean follows per user), FEED_BENCH_READERS (2000), FEED_BENCH_FANOUT
 * (5000), FEED_FANOUT_MAX_FOLLOWERS (6000, passed to the stack), BENCH_DURATION (10 s),
 * BENCH_CONNECTIONS (10).
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { issueAccessToken } from '@peerlink/platform/auth/access-token';
import { uuidv7 } from '@peerlink/platform/ids';
import { openSubscription } from './fanout.js';
import { graphql, bearer } from './graphql.js';
import { cpuModel } from './proc.js';
import { SERVICES, SystemUnderTest } from './stack.js';
import { mapLimit, percentile, positiveInteger, sleep, waitFor } from './util.js';

const embedded = process.env.BENCH_EMBEDDED === '1';
const RESULTS_FILE = fileURLToPath(
  new URL(embedded ? './FEED-EMBEDDED-RESULTS.md' : './FEED-RESULTS.md', import.meta.url),
);
const setting = (name, fallback) => positiveInteger('bench:feed', name, fallback);
const options = {
  users: setting('FEED_BENCH_USERS', 10_000),
  posts: setting('FEED_BENCH_POSTS', 200_000),
  followsPerUser: setting('FEED_BENCH_FOLLOWS', 40),
  readers: setting('FEED_BENCH_READERS', 2000),
  fanoutFollowers: setting('FEED_BENCH_FANOUT', 5000),
  fanoutMaxFollowers: setting('FEED_FANOUT_MAX_FOLLOWERS', 6000),
  durationSeconds: setting('BENCH_DURATION', 10),
  connections: setting('BENCH_CONNECTIONS', 10),
};
const FEED_QUERY = JSON.stringify({
  query:
    'query Feed { feed(first: 20) { edges { cursor node { id body createdAt likeCount commentCount ' +
    'shareCount viewerHasLiked author { username displayName } } } pageInfo { hasNextPage endCursor } } }',
});
const LIVE_FEED = 'subscription { feedUpdated { kind postId post { body author { displayName } } } }';
const LIVE_DELIVERY_TIMEOUT_MS = 30_000;
const log = (line) => console.error(`bench:feed: ${line}`);

const system = new SystemUnderTest({
  embedded,
  // The in-process bus of the embedded adapters only works within one process.
  topology: embedded ? 'single' : 'distributed',
  env: { FEED_FANOUT_MAX_FOLLOWERS: String(options.fanoutMaxFollowers) },
});
process.on('exit', () => system.killNow());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await system.stop();
    process.exit(130);
  });
}

const redis = embedded ? null : new Redis(SERVICES.redis);
const timelineKey = (userId) => `${system.namespace}:social:timeline:${userId}`;
let exitCode = 0;
try {
  const startedAt = Date.now();
  log(
    embedded
      ? 'starting the stack (embedded: one process, PGlite, in-process bus, memory cache)'
      : 'starting the stack (distributed; PostgreSQL, NATS JetStream, Redis)',
  );
  await system.start();
  const seeded = await system.withDatabase(seed);
  const signingKey = createPrivateKey(system.keys.accessToken.privateKey);
  const tokenOf = async (userId) =>
    (await issueAccessToken(signingKey, { userId, sessionId: randomUUID(), roles: ['USER'] }, 3600)).token;
  const readers = await Promise.all(
    sample(seeded.ordinary, options.readers).map(async (userId) => ({ userId, token: await tokenOf(userId) })),
  );

  if (embedded) {
    const liveFanouts = await followersLiveFanOut(seeded, tokenOf);
    const report = renderEmbedded({ seeded, liveFanouts, wallSeconds: (Date.now() - startedAt) / 1000 });
    console.log(report);
    writeFileSync(RESULTS_FILE, report);
    log(`wrote ${RESULTS_FILE}`);
    process.exit(await finish(0));
  }
  log(`building ${readers.length} readers' timelines (first reads)`);
  const firstReads = await timedReads(readers);
  log(`warm: 1 connection, then ${options.connections}, ${options.durationSeconds} s each`);
  const warmSingle = await load(readers, 1);
  const warmLoaded = await load(readers, options.connections);

  log('flushing the timelines');
  await flushTimelines();
  const flushedSingle = await timedReads(readers.slice(0, 300), 1);
  await flushTimelines();
  const flushedLoaded = await load(readers, options.connections);
  const page = await graphql(system.url, JSON.parse(FEED_QUERY).query, {}, bearer(readers[0].token));

  const { fanoutFollowers, authorToken } = await withTimelines(seeded, tokenOf);
  const fanouts = [];
  for (let i = 0; i < 3; i++)
    fanouts.push(
      await fanOut(
        authorToken,
        fanoutFollowers.map((f) => f.userId),
        i,
      ),
    );
  const liveFanouts = await liveFanOut(authorToken, fanoutFollowers);

  const report = render({
    seeded,
    firstReads,
    warmSingle,
    warmLoaded,
    flushedSingle,
    flushedLoaded,
    fanouts,
    liveFanouts,
    pageSize: page.feed.edges.length,
    wallSeconds: (Date.now() - startedAt) / 1000,
  });
  console.log(report);
  writeFileSync(RESULTS_FILE, report);
  log(`wrote ${RESULTS_FILE}`);
} catch (error) {
  log(`failed: ${error.stack ?? error.message}${system.deaths() ? `\n${system.deaths()}` : ''}`);
  exitCode = 1;
}
process.exit(await finish(exitCode));

async function finish(code) {
  await redis?.quit();
  await system.stop();
  return code;
}

/** The fan-out account's followers with their timelines built (each reads its feed once), and its token. */
async function withTimelines(seeded, tokenOf) {
  log(`fan-out: building the timelines of the ${options.fanoutFollowers} followers of one account`);
  const fanoutFollowers = await Promise.all(
    seeded.fanoutFollowers.map(async (userId) => ({ userId, token: await tokenOf(userId) })),
  );
  await mapLimit(fanoutFollowers, options.connections, (reader) =>
    graphql(system.url, JSON.parse(FEED_QUERY).query, {}, bearer(reader.token)),
  );
  return { fanoutFollowers, authorToken: await tokenOf(seeded.fanoutAccount) };
}

/** Embedded: the live fan-out alone, on the same data and with the followers' timelines built first. */
async function followersLiveFanOut(seeded, tokenOf) {
  const { fanoutFollowers, authorToken } = await withTimelines(seeded, tokenOf);
  return liveFanOut(authorToken, fanoutFollowers);
}

/**
 * Users, a follow graph and posts, inserted in bulk. Who follows whom is Zipf-distributed over a
 * random ranking of users (a few accounts have thousands of followers, most have a handful); one
 * extra account has exactly FEED_BENCH_FANOUT followers, for the fan-out measure.
 */
async function seed(db) {
  const now = Date.now();
  const users = Array.from({ length: options.users }, () => uuidv7(now - Math.floor(Math.random() * 90 * 86_400_000)));
  const fanoutAccount = users[users.length - 1];
  const ordinary = users.slice(0, -1);
  log(`seeding ${users.length} users`);
  await bulkInsert(
    db,
    'identity.users',
    ['id', 'username', 'display_name', 'created_at', 'updated_at', 'email', 'password_hash'],
    ['uuid', 'text', 'text', 'timestamptz', 'timestamptz', 'text', 'text'],
    users.map((id, i) => [
      id,
      `f${system.runId}_${i}`,
      `Feed Reader ${i}`,
      new Date(now),
      new Date(now),
      `f${system.runId}_${i}@bench.example`,
      'not-a-password-hash',
    ]),
  );

  const zipf = zipfSampler(ordinary.length, 1.0);
  const ranking = shuffle([...ordinary]);
  const follows = new Map();
  for (const follower of ordinary) {
    const wanted = Math.max(1, Math.round(options.followsPerUser * (0.25 + Math.random() * 1.5)));
    const followees = new Set();
    for (let tries = 0; followees.size < wanted && tries < wanted * 20; tries++) {
      const followee = ranking[zipf()];
      if (followee !== follower) followees.add(followee);
    }
    follows.set(follower, followees);
  }
  const fanoutFollowers = sample(ordinary, options.fanoutFollowers);
  for (const follower of fanoutFollowers) follows.get(follower).add(fanoutAccount);
  const pairs = [...follows].flatMap(([follower, followees]) =>
    [...followees].map((followee) => [follower, followee, new Date(now)]),
  );
  log(`seeding ${pairs.length} follows`);
  await bulkInsert(
    db,
    'social.follows',
    ['follower_id', 'followee_id', 'created_at'],
    ['uuid', 'uuid', 'timestamptz'],
    pairs,
  );
  await bulkInsert(
    db,
    'social.members',
    ['user_id', 'username', 'display_name', 'joined_at', 'last_event_id'],
    ['uuid', 'text', 'text', 'timestamptz', 'uuid'],
    users.map((id, i) => [id, `f${system.runId}_${i}`, `Feed Reader ${i}`, new Date(now), uuidv7(now)]),
  );
  await db.query(`update social.members m set
      follower_count = (select count(*) from social.follows where followee_id = m.user_id),
      following_count = (select count(*) from social.follows where follower_id = m.user_id)`);

  log(`seeding ${options.posts} posts`);
  const prolific = zipfSampler(users.length, 0.6);
  const authors = shuffle([...users]);
  const posts = Array.from({ length: options.posts }, (_, i) => {
    const at = now - Math.floor(Math.random() * 30 * 86_400_000);
    const id = uuidv7(at);
    return [
      id,
      authors[prolific()],
      `Post ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 6))}`.trim(),
      Math.random() < 0.85 ? 'PUBLIC' : 'FOLLOWERS',
      new Date(at),
    ];
  });
  await bulkInsert(
    db,
    'social.posts',
    ['id', 'author_id', 'body', 'visibility', 'created_at'],
    ['uuid', 'uuid', 'text', 'text', 'timestamptz'],
    posts,
  );
  await db.query('analyze');

  const { rows } = await db.query(
    `select count(*) filter (where follower_count > $1)::int as large, max(follower_count)::int as max,
            percentile_cont(0.5) within group (order by follower_count) as median,
            (select count(*)::int from social.follows) as follows
     from social.members`,
    [options.fanoutMaxFollowers],
  );
  return { ordinary, fanoutAccount, fanoutFollowers, graph: rows[0] };
}

async function bulkInsert(db, table, columns, types, rows) {
  for (let start = 0; start < rows.length; start += 10_000) {
    const chunk = rows.slice(start, start + 10_000);
    const arrays = columns.map((_, c) => chunk.map((row) => row[c]));
    await db.query(
      `insert into ${table} (${columns.join(', ')}) select * from ` +
        `unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
      arrays,
    );
  }
}

/** Each reader's feed once, `concurrency` at a time; latencies in ms, ascending. */
async function timedReads(readers, concurrency = options.connections) {
  const latencies = await mapLimit(readers, concurrency, async (reader) => {
    const started = performance.now();
    await graphql(system.url, JSON.parse(FEED_QUERY).query, {}, bearer(reader.token));
    return performance.now() - started;
  });
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** autocannon for BENCH_DURATION, each request the next reader's feed in turn. */
async function load(readers, connections) {
  let next = 0;
  const latencies = [];
  const started = performance.now();
  const instance = autocannon({
    url: system.url,
    method: 'POST',
    connections,
    duration: options.durationSeconds,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          headers: { 'content-type': 'application/json', ...bearer(readers[next++ % readers.length].token) },
          body: FEED_QUERY,
        }),
      },
    ],
    verifyBody: (text) => !text.includes('"errors"'),
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    connections,
    requests: latencies.length,
    distinctReaders: Math.min(readers.length, latencies.length),
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures: result.errors + result.timeouts + result.non2xx + result.mismatches,
  };
}

async function flushTimelines() {
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${system.namespace}:social:timeline:*`,
      'COUNT',
      1000,
    );
    if (keys.length) await redis.del(...keys);
    cursor = nextCursor;
  } while (cursor !== '0');
}

/** From createPost's request until the post is in every follower's timeline. */
async function fanOut(token, followerIds, n) {
  const started = performance.now();
  const { createPost } = await graphql(
    system.url,
    'mutation Post($body: String!) { createPost(input: { body: $body }) { id } }',
    { body: `Fan-out ${n}` },
    bearer(token),
  );
  const answeredMs = performance.now() - started;
  await waitFor(
    'the post in every follower timeline',
    async () => {
      const pipeline = redis.pipeline();
      for (const id of followerIds) pipeline.zscore(timelineKey(id), createPost.id);
      const results = await pipeline.exec();
      return results.every(([error, score]) => !error && score !== null);
    },
    120_000,
    10,
  );
  return { answeredMs, completeMs: performance.now() - started };
}

/**
 * Every follower on its own socket subscribed to `feedUpdated`; then three posts, each timed from
 * the moment `createPost` is sent to the moment each socket receives its POST_ADDED.
 */
async function liveFanOut(authorToken, followers) {
  log(`live fan-out: ${followers.length} followers subscribed to feedUpdated, 3 posts`);
  const subscribers = [];
  try {
    const baseline = (await system.metrics()).peerlink_active_subscriptions ?? 0;
    await mapLimit(followers, 100, (follower) =>
      openSubscription(
        system.url,
        { token: follower.token, label: follower.userId },
        LIVE_FEED,
        subscribers,
        (data, subscriber) => {
          if (data?.feedUpdated?.kind === 'POST_ADDED' && !subscriber.received.has(data.feedUpdated.postId))
            subscriber.received.set(data.feedUpdated.postId, performance.now());
        },
      ),
    );
    await waitFor(
      'every follower’s feedUpdated to be live',
      async () => ((await system.metrics()).peerlink_active_subscriptions ?? 0) >= baseline + followers.length,
      60_000,
      250,
    );
    const rounds = [];
    for (let i = 0; i < 3; i++) {
      const cpuBefore = system.cpuSeconds();
      const sentAt = performance.now();
      const { createPost } = await graphql(
        system.url,
        'mutation Post($body: String!) { createPost(input: { body: $body }) { id } }',
        { body: `Live fan-out ${i}` },
        bearer(authorToken),
      );
      const answeredMs = performance.now() - sentAt;
      const deadline = sentAt + LIVE_DELIVERY_TIMEOUT_MS;
      while (performance.now() < deadline && subscribers.some((s) => !s.received.has(createPost.id))) await sleep(20);
      const cpu = system.cpuSince(cpuBefore);
      const latencies = subscribers
        .map((s) => s.received.get(createPost.id))
        .filter((at) => at !== undefined)
        .map((at) => at - sentAt)
        .sort((a, b) => a - b);
      rounds.push({
        answeredMs,
        arrived: latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? NaN,
        cpu,
      });
    }
    return { subscribers: followers.length, failedSockets: subscribers.filter((s) => s.error).length, rounds };
  } finally {
    await Promise.allSettled(subscribers.map((s) => s.client.dispose()));
  }
}

/** CPU seconds the stack spent, in all and in its busiest processes. */
function cpuSummary(cpu) {
  const busiest = Object.entries(cpu.byProcess)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 3)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`);
  return `stack CPU ${cpu.total.toFixed(1)} s: ${busiest.join(', ')}`;
}

function zipfSampler(n, exponent) {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let rank = 0; rank < n; rank++) cumulative[rank] = sum += 1 / (rank + 1) ** exponent;
  return () => {
    const target = Math.random() * sum;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid] < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

function shuffle(items) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function sample(items, count) {
  return shuffle([...items]).slice(0, Math.min(count, items.length));
}

/** One table row per live fan-out post. */
function liveRows(liveFanouts, ms) {
  return liveFanouts.rounds.map(
    (round, i) =>
      `| **live fan-out**, post ${i + 1}: from \`createPost\` to each of ` +
      `${liveFanouts.subscribers.toLocaleString('en-US')} followers’ \`feedUpdated\` sockets | ` +
      `${round.arrived.toLocaleString('en-US')} arrived, p50 ${ms(round.p50)}, **p99 ${ms(round.p99)}**, ` +
      `last ${ms(round.max)} (createPost answered in ${ms(round.answeredMs)}; ${cpuSummary(round.cpu)}) | ` +
      `p99 under 1 s: ` +
      `${round.arrived === liveFanouts.subscribers && round.p99 < 1000 ? 'met' : '**missed**'} |`,
  );
}

function formatMs(v) {
  return Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms` : 'n/a';
}

function machineLine(wallSeconds) {
  return (
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpuModel()}, ` +
    `${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average after ` +
    `${loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}; ${Math.round(wallSeconds)} s in all.`
  );
}

function renderEmbedded({ seeded, liveFanouts, wallSeconds }) {
  const { graph } = seeded;
  return [
    '# Home feed benchmark, embedded mode: live fan-out',
    '',
    machineLine(wallSeconds),
    '',
    '**System under test.** The stack as `npm start` runs it with no configuration: one process ' +
      '(`launcher/dist/main.js`), PGlite, the in-process event bus and the memory cache, with ' +
      `\`FEED_FANOUT_MAX_FOLLOWERS=${options.fanoutMaxFollowers}\`. The load generator runs on the same cores.`,
    '',
    `**Data.** As \`npm run bench:feed\` (see FEED-RESULTS.md): ${options.users.toLocaleString('en-US')} users, ` +
      `${graph.follows.toLocaleString('en-US')} follows, ${options.posts.toLocaleString('en-US')} posts, one ` +
      `account with exactly ${options.fanoutFollowers.toLocaleString('en-US')} followers; written into the ` +
      'stack’s PGlite files with bulk SQL while the stack was stopped. Each follower reads its feed once ' +
      '(building its timeline), then opens a graphql-ws socket subscribed to `feedUpdated`.',
    '',
    '| measure | result | target |',
    '| --- | --- | --- |',
    ...liveRows(liveFanouts, formatMs),
    '',
    `Sockets that failed: ${liveFanouts.failedSockets}.`,
    '',
  ].join('\n');
}

function render({
  seeded,
  firstReads,
  warmSingle,
  warmLoaded,
  flushedSingle,
  flushedLoaded,
  fanouts,
  liveFanouts,
  pageSize,
  wallSeconds,
}) {
  const ms = formatMs;
  const rps = (v) => `${Math.round(v)} req/s`;
  const fanoutComplete = fanouts.map((f) => f.completeMs).sort((a, b) => a - b);
  const { graph } = seeded;
  return [
    '# Home feed benchmark',
    '',
    machineLine(wallSeconds),
    '',
    '**System under test.** The production layout: `launcher/dist/migrate.js`, then each subgraph in its own ' +
      'process and the gateway in another, on the machine’s PostgreSQL, NATS JetStream and Redis, ' +
      `with \`FEED_FANOUT_MAX_FOLLOWERS=${options.fanoutMaxFollowers}\` and the default ` +
      `\`FEED_TIMELINE_LENGTH\` (800). The load generator (autocannon) runs on the same cores.`,
    '',
    `**Data.** ${options.users.toLocaleString('en-US')} users; ${graph.follows.toLocaleString('en-US')} ` +
      `follows, each user following about ${options.followsPerUser} others picked by a Zipf law (exponent 1) ` +
      `over a random ranking of users, so a few accounts have thousands of followers and most a handful ` +
      `(median ${graph.median}, largest ${graph.max.toLocaleString('en-US')}; ${graph.large} accounts above ` +
      `the fan-out limit, merged at read time); one more account with exactly ` +
      `${options.fanoutFollowers.toLocaleString('en-US')} followers; ` +
      `${options.posts.toLocaleString('en-US')} posts over 30 days by authors picked by a Zipf law (exponent ` +
      `0.6), 85% PUBLIC. Seeded with bulk SQL; access tokens signed with the bench’s key.`,
    '',
    `**Query.** \`feed(first: 20)\` with each post’s \`id body createdAt likeCount commentCount shareCount ` +
      `viewerHasLiked author { username displayName }\` (the author’s names from social’s copy, which ` +
      `\`Post.author\` provides, so the gateway makes one subgraph call), for ` +
      `${options.readers.toLocaleString('en-US')} readers picked at random, each request the next reader in ` +
      `turn; every page had ${pageSize} posts.`,
    '',
    '| measure | result | target |',
    '| --- | --- | --- |',
    `| first read of each reader’s feed (timeline built from Postgres), ${options.connections} at a time | ` +
      `p50 ${ms(firstReads.p50)}, p99 ${ms(firstReads.p99)} | |`,
    `| **warm feed page**, 1 connection | ${rps(warmSingle.rps)}, p50 ${ms(warmSingle.p50)}, **p99 ` +
      `${ms(warmSingle.p99)}** | p99 under 30 ms: ${warmSingle.p99 < 30 ? 'met' : '**missed**'} |`,
    `| warm feed page, ${warmLoaded.connections} connections | **${rps(warmLoaded.rps)}**, p50 ` +
      `${ms(warmLoaded.p50)}, p99 ${ms(warmLoaded.p99)} | |`,
    `| after a flush, 1 connection (every read rebuilds a timeline) | p50 ${ms(flushedSingle.p50)}, p99 ` +
      `${ms(flushedSingle.p99)} over ${flushedSingle.requests} readers | |`,
    `| after a flush, ${flushedLoaded.connections} connections ` +
      `(${flushedLoaded.distinctReaders.toLocaleString('en-US')} of ` +
      `${flushedLoaded.requests.toLocaleString('en-US')} requests were a reader’s first since the flush) | ` +
      `${rps(flushedLoaded.rps)}, p50 ${ms(flushedLoaded.p50)}, p99 ${ms(flushedLoaded.p99)} | |`,
    `| **fan-out** of one post to ${options.fanoutFollowers.toLocaleString('en-US')} followers’ timelines, ` +
      `from \`createPost\` until all hold it (3 posts) | ${fanoutComplete.map(ms).join(', ')} (createPost ` +
      `answered in ${fanouts.map((f) => ms(f.answeredMs)).join(', ')}) | |`,
    ...liveRows(liveFanouts, ms),
    '',
    `Failed requests: ${warmSingle.failures + warmLoaded.failures + flushedLoaded.failures}. Warm runs were ` +
      `preceded by every reader’s first read; "1 connection" measures latency without queueing, ` +
      `"${options.connections} connections" throughput on a saturated machine.`,
    '',
  ].join('\n');
}
