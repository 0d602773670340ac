import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { bearer, benchUser, graphql, login, register } from './graphql.js';
import { mapLimit, percentile, sleep, waitFor } from './util.js';

const SUBSCRIPTION = 'subscription { notificationAdded { id title } }';
const REGISTER_CONCURRENCY = 8;
const CONNECT_CONCURRENCY = 100;
const CONNECT_TIMEOUT_MS = 15_000;
const SETTLE_SECONDS = 45;

/**
 * `clients` users, each on its own graphql-ws socket subscribed to notificationAdded; gateway
 * memory before and after the sockets open; then one announcement to every user, timed from the
 * moment the mutation is sent to the moment each socket receives it.
 *
 * @param {import('./stack.js').SystemUnderTest} system
 * @param {{ clients: number, deliveryTimeoutMs: number, log: (line: string) => void }} options
 */
export async function measureFanout(system, { clients, deliveryTimeoutMs, log }) {
  log(`  registering ${clients} users (${REGISTER_CONCURRENCY} at a time)`);
  let started = performance.now();
  const users = await mapLimit(
    Array.from({ length: clients }, (_, i) => i),
    REGISTER_CONCURRENCY,
    (i) => register(system.url, benchUser(system.runId, i)),
  );
  const registrationsPerSecond = clients / ((performance.now() - started) / 1000);

  log(`  making ${users[0].username} an admin${system.embedded ? ' (embedded: restarts the stack)' : ''}`);
  await system.makeAdmin(users[0].username);
  const adminToken = await login(system.url, users[0]);
  log('  waiting for every user to be a notifications recipient');
  await waitForRecipients(system, users);

  log(`  memory before: waiting up to ${SETTLE_SECONDS} s for the heap to settle`);
  const before = await settledMemory(system, SETTLE_SECONDS);
  const baseline = (await system.metrics()).peerlink_active_subscriptions ?? 0;

  const title = `Bench announcement ${system.runId}`;
  const subscribers = [];
  try {
    log(`  opening ${clients} sockets (${CONNECT_CONCURRENCY} at a time)`);
    started = performance.now();
    await mapLimit(users, CONNECT_CONCURRENCY, (user) => subscribe(system.url, user, title, subscribers));
    await waitFor(
      `peerlink_active_subscriptions to reach ${baseline + clients}`,
      async () => (await system.metrics()).peerlink_active_subscriptions >= baseline + clients,
      60_000,
      250,
    );
    const connectSeconds = (performance.now() - started) / 1000;

    log(`  memory after: waiting up to ${SETTLE_SECONDS} s for the heap to settle`);
    const after = await settledMemory(system, SETTLE_SECONDS);
    const residentByProcess = system.residentBytes();

    log('  sending the announcement');
    const delivery = await announce(system, adminToken, title, subscribers, deliveryTimeoutMs);
    return {
      clients,
      registrationsPerSecond,
      connectSeconds,
      memory: {
        before,
        after,
        rssPerSocket: (after.rss - before.rss) / clients,
        heapPerSocket: (after.heapUsed - before.heapUsed) / clients,
        residentByProcess,
      },
      delivery,
    };
  } finally {
    await Promise.allSettled(subscribers.map((s) => s.client.dispose()));
  }
}

/**
 * An announcement reaches only the users notifications already knows, so wait for every bench
 * user's registration event to be consumed: counted in the database, or (embedded, where the stack
 * holds the database) seen as the welcome notification in each user's inbox.
 */
async function waitForRecipients(system, users) {
  const ids = users.map((u) => u.userId);
  if ((await system.recipientCount(ids)) !== null) {
    await waitFor(
      `${users.length} notification recipients`,
      async () => (await system.recipientCount(ids)) === users.length,
      120_000,
      500,
    );
    return;
  }
  let pending = users;
  const deadline = Date.now() + 120_000;
  while (pending.length && Date.now() < deadline) {
    const ready = await mapLimit(pending, 8, async (user) => {
      const data = await graphql(
        system.url,
        'query { notifications(first: 1) { edges { node { id } } } }',
        {},
        bearer(user.token),
      ).catch(() => null);
      return !!data?.notifications.edges.length;
    });
    pending = pending.filter((_, i) => !ready[i]);
    if (pending.length) await sleep(500);
  }
  if (pending.length) throw new Error(`${pending.length} users never became notification recipients`);
}

const MAJOR_GCS = 'peerlink_nodejs_gc_duration_seconds_count{kind="major"}';
const MIB = 1024 * 1024;

/**
 * Gateway memory once the process has settled. Nothing is forced: after a burst of work V8's own
 * memory reducer runs a major GC within a few tens of seconds of quiet, so wait (bounded) for one
 * and for heap used to stay flat for 3 s, then take the median of those 3 samples. If that never
 * happens, the samples still count but may include garbage, and the report says so.
 */
async function settledMemory(system, maxSeconds) {
  const started = Date.now();
  const gcsBefore = (await system.metrics())[MAJOR_GCS] ?? 0;
  const recent = [];
  let settled = false;
  while (!settled && Date.now() - started < maxSeconds * 1000) {
    await sleep(1000);
    const m = await system.metrics();
    recent.push({
      rss: m.peerlink_process_resident_memory_bytes,
      heapUsed: m.peerlink_nodejs_heap_size_used_bytes,
    });
    if (recent.length > 3) recent.shift();
    const heaps = recent.map((r) => r.heapUsed);
    settled =
      (m[MAJOR_GCS] ?? 0) > gcsBefore && recent.length === 3 && Math.max(...heaps) - Math.min(...heaps) < 2 * MIB;
  }
  const median = (key) => recent.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(recent.length / 2)];
  return { rss: median('rss'), heapUsed: median('heapUsed'), settled, waitedSeconds: (Date.now() - started) / 1000 };
}

/** The first time this subscriber received the announcement titled `title`. */
function subscribe(url, user, title, subscribers) {
  return openSubscription(
    url,
    { token: user.token, label: user.username },
    SUBSCRIPTION,
    subscribers,
    (data, subscriber) => {
      if (data?.notificationAdded?.title === title && subscriber.receivedAt === null)
        subscriber.receivedAt = performance.now();
    },
  );
}

/**
 * Opens one client and subscribes to `query`, handing each result to `onData` with the subscriber
 * (whose `received` map a caller may fill); resolves once the socket is acknowledged (the
 * subscription goes live shortly after). The subscriber joins `subscribers` at once, so a failed run
 * still closes it.
 */
export function openSubscription(url, { token, label }, query, subscribers, onData) {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: true,
    retryAttempts: 0,
  });
  const subscriber = { client, receivedAt: null, received: new Map(), error: null };
  subscribers.push(subscriber);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`socket for ${label} not acknowledged in ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
    const fail = (error) => {
      clearTimeout(timer);
      void client.dispose();
      reject(error);
    };
    client.on('connected', () => {
      clearTimeout(timer);
      resolve(subscriber);
    });
    client.subscribe(
      { query },
      {
        next: ({ data }) => onData(data, subscriber),
        error: (error) => {
          subscriber.error = error;
          fail(error instanceof Error ? error : new Error(describeClose(error)));
        },
        complete: () => {},
      },
    );
  });
}

async function announce(system, adminToken, title, subscribers, timeoutMs) {
  const cpuBefore = system.cpuSeconds();
  const sentAt = performance.now();
  const { sendAnnouncement } = await graphql(
    system.url,
    'mutation Announce($title: String!, $body: String!) { sendAnnouncement(title: $title, body: $body) }',
    { title, body: 'Benchmark fan-out: one SYSTEM notification to every user.' },
    bearer(adminToken),
  );
  const mutationMs = performance.now() - sentAt;
  const deadline = sentAt + timeoutMs;
  while (performance.now() < deadline && subscribers.some((s) => s.receivedAt === null)) await sleep(20);
  // Read at once, so the window is mutation plus delivery (give or take the 20 ms poll).
  const cpu = system.cpuSince(cpuBefore);
  const windowMs = performance.now() - sentAt;

  const latencies = subscribers
    .filter((s) => s.receivedAt !== null)
    .map((s) => s.receivedAt - sentAt)
    .sort((a, b) => a - b);
  return {
    recipients: sendAnnouncement,
    arrived: latencies.length,
    failedSockets: subscribers.filter((s) => s.error).length,
    timeoutMs,
    mutationMs,
    first: latencies[0] ?? NaN,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    perSecond: latencies.length > 1 ? (latencies.length - 1) / ((latencies.at(-1) - latencies[0]) / 1000) : NaN,
    // Busy share of one core per stack process over that window: which process the delivery waited on.
    cpuPercentByProcess: Object.fromEntries(
      Object.entries(cpu.byProcess).map(([name, seconds]) => [name, (seconds * 1000 * 100) / windowMs]),
    ),
    windowMs,
  };
}

/** graphql-ws reports a failure as an Error, a CloseEvent or an array of GraphQL errors. */
function describeClose(event) {
  if (Array.isArray(event))
    return `subscription refused: ${event.map((e) => e?.message ?? JSON.stringify(e)).join('; ')}`;
  return event && typeof event === 'object' && 'code' in event
    ? `socket closed ${event.code} ${event.reason ?? ''}`
    : String(event);
}
