import { parse } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueAccessToken } from '@peerlink/platform/auth/access-token';
import {
  INTERNAL_TOKEN_HEADER,
  signBatchToken,
  signInternalToken,
  type InternalIdentity,
} from '@peerlink/platform/auth/internal-token';
import { uuidv7 } from '@peerlink/platform/ids';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { BlockDocument, LoginDocument, SendAnnouncementDocument } from './generated/graphql.js';
import { ok, Subscription, wsClient } from './support/client.js';
import { follow, member, post } from './support/social.js';
import { makeAdmin, signUp, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
beforeAll(async () => {
  // A window long enough that a busy machine still gathers one fan-out into few batches.
  t = await startTestStack({ LIVE_LOOKUP_BATCH_WINDOW_MS: '25' });
});
afterAll(async () => {
  await t?.stop();
});

/** The gateway's live metrics: batch requests and the lookups they carried (all subgraphs), and deliveries. */
async function liveCounts(subgraph?: string) {
  const text = await (await fetch(t.url.replace(/\/graphql$/, '/metrics'))).text();
  const sum = (pattern: RegExp) =>
    text.split('\n').reduce((total, line) => total + (pattern.test(line) ? Number(line.split(' ').at(-1)) : 0), 0);
  const of = subgraph ? `subgraph="${subgraph}"` : 'subgraph="[a-z]+"';
  return {
    batches: sum(new RegExp(`^peerlink_live_subgraph_batch_size_count\\{${of}\\} `)),
    lookups: sum(new RegExp(`^peerlink_live_subgraph_batch_size_sum\\{${of}\\} `)),
    deliveries: sum(/^peerlink_live_deliveries_total\{/),
  };
}

const document = (query: string) => parse(query) as never;
const feedEventId = (postId: string) => Buffer.from(`POST_ADDED:${postId}`).toString('base64url');

describe('batched live lookups', () => {
  it('resolves an announcement to many subscribers in a few subgraph requests, each subscriber with its own selection', async () => {
    const admin = await signUp(t, 'batchadmin');
    await makeAdmin(t, admin.username);
    const adminToken = (await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } }))
      .login.accessToken;
    // Recipients notifications knows of, signed in with tokens made here: sign-ups would take minutes.
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ user_id: string }>(
      `insert into notifications.recipients (user_id, display_name, email, last_event_id)
       select id, 'Batch ' || n, 'batch' || n || '-' || id || '@example.com', gen_random_uuid()
       from (select gen_random_uuid() as id, n from generate_series(1, 30) n) made returning user_id`,
    );
    await db.end();
    const key = t.stack.infrastructure.config.accessTokenKeys!.privateKey!;
    const subscribers = await Promise.all(
      rows.map(async ({ user_id: id }, i) => {
        const { token } = await issueAccessToken(key, { userId: id, sessionId: uuidv7(), roles: ['USER'] }, 600);
        const client = wsClient(t.url, token);
        // Two shapes, alternating, so each batch mixes them.
        const withActor = i % 2 === 0;
        const query = withActor
          ? 'subscription WithActor { notificationAdded { id title actor { username } } }'
          : 'subscription WithBody { notificationAdded { id kind body } }';
        return {
          id,
          client,
          withActor,
          subscription: new Subscription<{ notificationAdded: Record<string, unknown> }>(client, document(query)),
        };
      }),
    );
    try {
      await waitFor('every subscription to be live', () =>
        subscribers.every(({ id }) => t.stack.gateway.live.subscriptionsOf(id) === 1),
      );
      const before = await liveCounts();
      const beforeNotifications = await liveCounts('notifications');
      const title = `Batched ${Date.now()}`;
      const body = `Body of ${title}`;
      const notificationsDb = t.stack.subgraphs.find((s) => s.name === 'notifications')!.orm.em.getConnection();
      const spy = vi.spyOn(notificationsDb, 'execute');
      let reads: number;
      const announced = (s: (typeof subscribers)[number]) =>
        s.subscription.results.filter(
          (r) => r.data?.notificationAdded?.title === title || r.data?.notificationAdded?.body === body,
        );
      try {
        await ok(t.url, SendAnnouncementDocument, { title, body }, adminToken);
        await waitFor(
          'the announcement on every socket',
          () => subscribers.every((s) => announced(s).length === 1),
          20_000,
        );
        reads = spy.mock.calls.filter(([sql]) =>
          /^select .* from "notifications"\."notifications" as "n0" where "n0"\."id" in/.test(String(sql)),
        ).length;
      } finally {
        spy.mockRestore();
      }
      // One statement per batch reads the notifications of all its recipients.
      const notificationBatches = (await liveCounts('notifications')).batches - beforeNotifications.batches;
      expect(reads).toBeGreaterThan(0);
      expect(reads).toBeLessThanOrEqual(notificationBatches);

      for (const s of subscribers) {
        const [result] = announced(s);
        expect(result!.errors).toBeUndefined();
        const notification = result!.data!.notificationAdded;
        if (s.withActor) {
          expect(Object.keys(notification)).toEqual(['id', 'title', 'actor']);
          expect(notification.actor).toEqual({ username: admin.username });
        } else {
          expect(Object.keys(notification)).toEqual(['id', 'kind', 'body']);
          expect(notification.kind).toBe('SYSTEM');
        }
      }
      const after = await liveCounts();
      const deliveries = after.deliveries - before.deliveries;
      const batches = after.batches - before.batches;
      expect(deliveries).toBe(subscribers.length);
      // Every lookup went in a batch (notifications for all, identity for the actor), and the batches were few.
      expect(after.lookups - before.lookups).toBeGreaterThanOrEqual(deliveries + deliveries / 2);
      expect(batches).toBeGreaterThan(0);
      expect(batches * 3).toBeLessThanOrEqual(deliveries);
    } finally {
      await Promise.all(subscribers.map(({ client }) => client.dispose()));
    }
  });

  it('gives a follower blocked between the commit and the delivery nothing of the post, in the same batch as one who may see it', async () => {
    const [author, blocked, follower, other] = await Promise.all([
      member(t, 'bauth'),
      member(t, 'bblk'),
      member(t, 'bfol'),
      member(t, 'both'),
    ]);
    await follow(t, blocked, author);
    await follow(t, follower, author);
    await follow(t, blocked, other);
    const feed = 'subscription Feed { feedUpdated { kind postId post { id body author { username } } } }';
    const clients = [blocked, follower].map((user) => wsClient(t.url, user.token));
    try {
      const [blockedFeed, followerFeed] = clients.map(
        (client) =>
          new Subscription<{ feedUpdated: { postId: string; post: { body: string } | null } }>(client, document(feed)),
      );
      await waitFor('both subscriptions to be live', () =>
        [blocked, follower].every((u) => t.stack.gateway.live.subscriptionsOf(u.id) === 1),
      );
      const secret = await post(t, author, 'Not for the blocked follower', 'FOLLOWERS');
      await waitFor('the post on both feeds', () =>
        [blockedFeed!, followerFeed!].every((f) => f.results.some((r) => r.data?.feedUpdated.postId === secret.id)),
      );
      const before = await liveCounts('social');

      // The author blocks them; an event committed before that (the same post, named to both) arrives after.
      await ok(t.url, BlockDocument, { userId: blocked.id }, author.token);
      const seenBefore = blockedFeed!.results.length;
      await t.stack.infrastructure.bus.publish({
        id: uuidv7(),
        name: 'social.feed.updated',
        occurredAt: new Date().toISOString(),
        payload: { id: feedEventId(secret.id), postId: secret.id, recipientIds: [blocked.id, follower.id] },
      });
      await waitFor(
        "the late event on the follower's feed",
        () => followerFeed!.results.filter((r) => r.data?.feedUpdated.postId === secret.id).length === 2,
      );
      // Then something the blocked user may see: their channel is alive, and nothing came before it.
      const later = await post(t, other, "Still on the blocked user's feed", 'PUBLIC');
      await waitFor("the later post on the blocked user's feed", () =>
        blockedFeed!.results.some((r) => r.data?.feedUpdated.postId === later.id),
      );
      const after = blockedFeed!.results.slice(seenBefore);
      expect(after.map((r) => r.data?.feedUpdated.postId)).toEqual([later.id]);
      expect(JSON.stringify(after)).not.toContain('Not for the blocked follower');
      expect(blockedFeed!.error).toBeUndefined();
      // Both lookups of the late event went through batches.
      expect((await liveCounts('social')).lookups - before.lookups).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });

  it('refuses a batch whose identities are not the ones its token signs', async () => {
    const [alice, bob] = await Promise.all([member(t, 'balice'), member(t, 'bbob')]);
    const mine = await post(t, alice, 'Only for Alice', 'FOLLOWERS');
    const social = t.stack.subgraphs.find((s) => s.name === 'social')!;
    const batchUrl = `${social.url}/batch`;
    const key = t.stack.infrastructure.config.gatewayKeys!.privateKey!;
    const identity = (user: { id: string }): InternalIdentity => ({
      viewer: { userId: user.id, sessionId: uuidv7(), roles: ['USER'] },
      client: { ip: '127.0.0.1' },
    });
    const [asAlice, asBob] = [identity(alice), identity(bob)];
    const send = (token: string, identities: InternalIdentity[]) =>
      fetch(batchUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token },
        body: JSON.stringify({
          queries: ['query Lookup($id: ID!) { feedEvent(id: $id) { post { body } } }'],
          identities,
          items: identities.map((_, i) => ({ query: 0, identity: i, variables: { id: feedEventId(mine.id) } })),
        }),
      });

    // Signed for Bob, sent as Alice: refused whole, whatever Alice may see.
    expect((await send(await signBatchToken(key, [asBob], 'social'), [asAlice])).status).toBe(401);
    // Signed for Bob then Alice, sent in another order.
    expect((await send(await signBatchToken(key, [asBob, asAlice], 'social'), [asAlice, asBob])).status).toBe(401);
    // A single request's token does not sign a batch, nor a batch's token a single request.
    expect((await send(await signInternalToken(key, asAlice, 'social'), [asAlice])).status).toBe(401);
    const single = await fetch(social.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [INTERNAL_TOKEN_HEADER]: await signBatchToken(key, [asAlice], 'social'),
      },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(single.status).toBe(401);

    // As signed: each identity gets its own answer.
    const answer = await send(await signBatchToken(key, [asAlice, asBob], 'social'), [asAlice, asBob]);
    expect(answer.status).toBe(200);
    const { results } = (await answer.json()) as {
      results: { data?: unknown; errors?: { extensions?: { code?: string } }[] }[];
    };
    expect(results[0]).toEqual({ data: { feedEvent: { post: { body: 'Only for Alice' } } } });
    expect(results[1]!.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });
});
