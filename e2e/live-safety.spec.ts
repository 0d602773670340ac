import type { GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { uuidv7 } from '@peerlink/platform/ids';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  CreatePostDocument,
  NotificationAddedDocument,
  NotificationBodiesDocument,
  PostActivityDocument,
} from './generated/graphql.js';
import { ok, Subscription, wsClient } from './support/client.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({
    SUBSCRIPTION_QUEUE_SIZE: '100',
    SUBSCRIPTION_STALL_MS: '1000',
    MAX_SUBSCRIPTIONS_PER_USER: '3',
    MAX_SUBSCRIPTIONS_PER_ADDRESS: '4',
  });
});
afterAll(async () => {
  await t?.stop();
});

/** A client that connects as if from `address` (the gateway trusts X-Forwarded-For from loopback). */
function clientFrom(address: string, token?: string, onSocket?: (socket: WebSocket) => void): Client {
  class FromAddress extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { 'x-forwarded-for': address } });
    }
  }
  const client = createClient({
    url: t.url.replace(/^http/, 'ws'),
    webSocketImpl: FromAddress,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
  if (onSocket) client.on('opened', (socket) => onSocket(socket as WebSocket));
  return client;
}

/** Notifications for `userId` written straight to the notifications database, as if long made. */
async function notificationsFor(userId: string, count: number, bodyBytes: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => uuidv7());
  const db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  await db.query(
    `insert into notifications.notifications (id, recipient_id, kind, title, body, created_at, source_event_id)
     select id, $2, 'SYSTEM', 'Burst', $3 || id::text, now(), gen_random_uuid() from unnest($1::uuid[]) as id`,
    [ids, userId, 'x'.repeat(bodyBytes)],
  );
  await db.end();
  return ids;
}

/** The events an outbox releases after an outage: all at once. */
const burst = (userId: string, ids: string[]) =>
  Promise.all(
    ids.map((id) =>
      t.stack.infrastructure.bus.publish({
        id: uuidv7(),
        name: 'notifications.notification.created',
        occurredAt: new Date().toISOString(),
        payload: { id, recipientId: userId, kind: 'SYSTEM' },
      }),
    ),
  );

async function metrics(): Promise<Map<string, number>> {
  const text = await (await fetch(t.url.replace(/\/graphql$/, '/metrics'))).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(peerlink_live_[^ ]+|peerlink_active_subscriptions) ([0-9.e+-]+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

type Coded = GraphQLFormattedError & { extensions?: { code?: string; reason?: string; dropped?: number } };

describe('a burst of live events', () => {
  it('reaches a subscriber that reads, all of it; one that stops reading is ended with EVENTS_DROPPED, counted', async () => {
    const user = await signUp(t, 'burst');
    const before = await metrics();

    const reader = wsClient(t.url, user.token);
    const reading = new Subscription(reader, NotificationBodiesDocument);
    let socket: WebSocket | undefined;
    const stopped = clientFrom('127.0.0.1', user.token, (s) => (socket = s));
    const stalled = new Subscription(stopped, NotificationBodiesDocument);
    await waitFor('both subscriptions', () => t.stack.gateway.live.subscriptionsOf(user.id) === 2);
    socket!.pause();

    // Bursts of events of about 40 KB until the paused client's buffers (its own and the kernel's at
    // both ends, which autotuning may grow to tens of MB) are really full and the gateway ends it:
    // any fixed count is a guess about this machine's buffers.
    const round = 25;
    const sent: string[] = [];
    let sentBeforeLastRound = 0;
    while (t.stack.gateway.live.subscriptionsOf(user.id) === 2) {
      if (sent.length >= 2_500)
        throw new Error(`the paused client took ${sent.length} events of 40 KB (100 MB) and was not ended`);
      const ids = await notificationsFor(user.id, round, 40_000);
      sentBeforeLastRound = sent.length;
      await burst(user.id, ids);
      sent.push(...ids);
      await waitFor(
        'the round at the reading client',
        () => {
          if (reading.results.length >= sent.length || reading.error) return true;
          throw new Error(`${reading.results.length} of ${sent.length} results`);
        },
        45_000,
      );
      expect(reading.error).toBeUndefined();
      expect(reading.results.map((r) => r.data?.notificationAdded!.id)).toEqual(sent);
    }
    expect(reading.results.map((r) => r.data?.notificationAdded!.id)).toEqual(sent);

    // The gateway ended the one that stopped reading; it hears why once it reads again.
    socket!.resume();
    const error = await waitFor('the stalled client to hear of the drop', () => stalled.error as Coded[] | undefined);
    expect(error[0]?.extensions).toMatchObject({ code: 'EVENTS_DROPPED', reason: 'slow_client' });
    const dropped = error[0]!.extensions!.dropped!;
    expect(dropped).toBeGreaterThan(0);
    // What it did get is the burst's beginning, without gaps, and the count covers the rest of what
    // reached it (events of the round it was ended in that came after the end were no longer its own).
    expect(stalled.results.map((r) => r.data?.notificationAdded!.id)).toEqual(sent.slice(0, stalled.results.length));
    expect(stalled.results.length + dropped).toBeGreaterThanOrEqual(sentBeforeLastRound);
    expect(stalled.results.length + dropped).toBeLessThanOrEqual(sent.length);

    const after = await metrics();
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect(delta('peerlink_live_dropped_events_total{reason="slow_client"}')).toBe(dropped);
    expect(delta('peerlink_live_deliveries_total{resolved="own"}')).toBe(sent.length + stalled.results.length);

    reading.stop();
    await reader.dispose();
    await stopped.dispose();
  }, 120_000);
});

describe('live metrics', () => {
  it('move with a subscription and a delivery', async () => {
    const user = await signUp(t, 'metrics');
    const [id] = await notificationsFor(user.id, 1, 10);
    const client = wsClient(t.url, user.token);
    const before = await metrics();
    const live = new Subscription(client, NotificationBodiesDocument);
    await waitFor('the subscription', () => t.stack.gateway.live.subscriptionsOf(user.id) === 1);
    const during = await metrics();
    expect(
      (during.get('peerlink_live_active_subscriptions') ?? 0) - (before.get('peerlink_live_active_subscriptions') ?? 0),
    ).toBe(1);

    await burst(user.id, [id!]);
    await waitFor('the delivery', () => live.results.length === 1);
    const after = await waitFor('the event to be counted', async () => {
      const now = await metrics();
      return now.get('peerlink_live_events_resolved_total') !== during.get('peerlink_live_events_resolved_total')
        ? now
        : null;
    });
    const delta = (name: string) => (after.get(name) ?? 0) - (during.get(name) ?? 0);
    expect(delta('peerlink_live_events_resolved_total')).toBe(1);
    expect(delta('peerlink_live_lookups_per_event_count')).toBe(1);
    expect(delta('peerlink_live_lookups_per_event_sum')).toBe(1);
    expect(delta('peerlink_live_lookups_per_event_bucket{le="0"}')).toBe(0);
    expect(delta('peerlink_live_lookups_per_event_bucket{le="1"}')).toBe(1);
    expect(delta('peerlink_live_deliveries_total{resolved="own"}')).toBe(1);
    expect(delta('peerlink_live_resolve_seconds_count')).toBe(1);
    expect(delta('peerlink_live_resolve_seconds_sum')).toBeGreaterThan(0);
    expect(after.has('peerlink_live_dropped_events_total{reason="backlog"}')).toBe(true);

    live.stop();
    await waitFor('the subscription to end', () => t.stack.gateway.live.subscriptionsOf(user.id) === 0);
    expect((await metrics()).get('peerlink_live_active_subscriptions')).toBe(
      before.get('peerlink_live_active_subscriptions'),
    );
    await client.dispose();
  });
});

describe('caps on subscriptions', () => {
  const refusal = (s: Subscription<unknown>) => waitFor('the refusal', () => s.error as Coded[] | undefined);

  it('holds one user to MAX_SUBSCRIPTIONS_PER_USER across connections, and frees a place when one ends', async () => {
    const user = await signUp(t, 'capuser');
    const first = clientFrom('198.51.100.1', user.token);
    const second = clientFrom('198.51.100.2', user.token);
    const held = [
      new Subscription(first, NotificationAddedDocument),
      new Subscription(first, NotificationAddedDocument),
      new Subscription(second, NotificationAddedDocument),
    ];
    await waitFor('three subscriptions', () => t.stack.gateway.live.subscriptionsOf(user.id) === 3);

    const fourth = new Subscription(second, NotificationAddedDocument);
    const error = await refusal(fourth);
    expect(error[0]).toMatchObject({
      message: 'At most 3 subscriptions per user.',
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
    });
    expect(t.stack.gateway.live.subscriptionsOf(user.id)).toBe(3);

    held[0]!.stop();
    await waitFor('a free place', () => t.stack.gateway.live.subscriptionsOf(user.id) === 2);
    const again = new Subscription(second, NotificationAddedDocument);
    await waitFor('the new subscription', () => t.stack.gateway.live.subscriptionsOf(user.id) === 3);
    expect(again.error).toBeUndefined();
    await first.dispose();
    await second.dispose();
  });

  it('holds one address to MAX_SUBSCRIPTIONS_PER_ADDRESS whoever signs in; another address is not held back', async () => {
    const [ann, ben, cal] = await Promise.all([signUp(t, 'capaddr'), signUp(t, 'capaddr'), signUp(t, 'capaddr')]);
    const annClient = clientFrom('203.0.113.9', ann.token);
    const benClient = clientFrom('203.0.113.9', ben.token);
    for (let i = 0; i < 3; i++) new Subscription(annClient, NotificationAddedDocument);
    new Subscription(benClient, NotificationAddedDocument);
    await waitFor(
      'four subscriptions from the address',
      () => t.stack.gateway.live.subscriptionsFrom('203.0.113.9') === 4,
    );

    const fifth = new Subscription(benClient, NotificationAddedDocument);
    const error = await refusal(fifth);
    expect(error[0]).toMatchObject({
      message: 'At most 4 subscriptions per client address.',
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
    });
    // Counted per user once started (the address counts it from the moment it is asked for).
    await waitFor("ben's one subscription to start", () => t.stack.gateway.live.subscriptionsOf(ben.id) === 1);

    const calClient = clientFrom('203.0.113.10', cal.token);
    const elsewhere = new Subscription(calClient, NotificationAddedDocument);
    await waitFor('the subscription from another address', () => t.stack.gateway.live.subscriptionsOf(cal.id) === 1);
    expect(elsewhere.error).toBeUndefined();
    await Promise.all([annClient.dispose(), benClient.dispose(), calClient.dispose()]);
    await waitFor('the address to hold none', () => t.stack.gateway.live.subscriptionsFrom('203.0.113.9') === 0);
  });

  it('requires sign-in even for live fields with no audience, such as a public post’s activity', async () => {
    const author = await signUp(t, 'open');
    const post = (await ok(t.url, CreatePostDocument, { input: { body: 'anyone may read this' } }, author.token))
      .createPost;
    const anonymous = wsClient(t.url);
    const activity = new Subscription(anonymous, PostActivityDocument, { postId: post.id });
    const error = await refusal(activity);
    expect(error[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await anonymous.dispose();

    const signedIn = wsClient(t.url, author.token);
    const own = new Subscription(signedIn, PostActivityDocument, { postId: post.id });
    await waitFor('the signed-in subscription', () => t.stack.gateway.live.subscriptionsOf(author.id) === 1);
    expect(own.error).toBeUndefined();
    await signedIn.dispose();
  });
});
