import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  AddCommentDocument,
  DeletePostDocument,
  FeedDocument,
  FeedUpdatedDocument,
  FeedWithPreviewsDocument,
  UnfollowDocument,
} from './generated/graphql.js';
import { codes, ok, Subscription, wsClient } from './support/client.js';
import { follow, member, post, type Member } from './support/social.js';
import { services, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const feed = async (user: Member, first = 20, after?: string | null) =>
  (await ok(t.url, FeedDocument, { first, after }, user.token)).feed;
const bodies = (page: Awaited<ReturnType<typeof feed>>) => page.edges.map((e) => e.node.body);

async function subscribeToFeed(user: Member) {
  const client = wsClient(t.url, user.token);
  const subscription = new Subscription(client, FeedUpdatedDocument);
  const before = t.stack.gateway.live.subscriptionsOf(user.id);
  await waitFor(
    `${user.username}'s feed subscription to be live`,
    () => t.stack.gateway.live.subscriptionsOf(user.id) > before,
  );
  return { subscription, close: () => client.dispose() };
}

describe('home feed', () => {
  it('holds your own posts and those of people you follow, newest first, and not strangers’', async () => {
    const [reader, friend, stranger] = await Promise.all([member(t), member(t), member(t)]);
    await follow(t, reader, friend);
    await post(t, friend, 'friend one');
    await post(t, stranger, 'stranger post');
    await post(t, reader, 'my own');
    await post(t, friend, 'friend two', 'FOLLOWERS');
    await waitFor('the feed to show all three', async () => (await feed(reader)).edges.length === 3);
    expect(bodies(await feed(reader))).toEqual(['friend two', 'my own', 'friend one']);
    expect(bodies(await feed(stranger))).toEqual(['stranger post']);
  });

  it('pages with cursors that stay stable while new posts arrive', async () => {
    const [reader, author] = await Promise.all([member(t), member(t)]);
    await follow(t, reader, author);
    for (let i = 1; i <= 5; i++) await post(t, author, `post ${i}`);
    await waitFor('five posts in the feed', async () => (await feed(reader)).edges.length === 5);
    const first = await feed(reader, 2);
    expect(bodies(first)).toEqual(['post 5', 'post 4']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    await post(t, author, 'post 6');
    const second = await feed(reader, 2, first.pageInfo.endCursor);
    expect(bodies(second)).toEqual(['post 3', 'post 2']);
    const third = await feed(reader, 2, second.pageInfo.endCursor);
    expect(bodies(third)).toEqual(['post 1']);
    expect(third.pageInfo.hasNextPage).toBe(false);
  });

  it('is rebuilt from Postgres after the cache is flushed, and gives the same page', async () => {
    const [reader, author] = await Promise.all([member(t), member(t)]);
    await follow(t, reader, author);
    for (let i = 1; i <= 4; i++) await post(t, author, `kept ${i}`);
    await waitFor('four posts in the feed', async () => (await feed(reader)).edges.length === 4);
    const before = await feed(reader, 3);

    const redis = new Redis(services.redis);
    const keys = await redis.keys(`${t.namespace}:social:timeline:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    expect(await redis.exists(`${t.namespace}:social:timeline:${reader.id}`)).toBe(0);

    expect(await feed(reader, 3)).toEqual(before);
    // The read rebuilt the timeline, so the next post is fanned out into it again.
    expect(await redis.exists(`${t.namespace}:social:timeline:${reader.id}`)).toBe(1);
    await redis.quit();
  });

  it('loses a post when it is deleted and an author’s posts when unfollowed', async () => {
    const [reader, author, other] = await Promise.all([member(t), member(t), member(t)]);
    await follow(t, reader, author);
    await follow(t, reader, other);
    const gone = await post(t, author, 'to be deleted');
    await post(t, author, 'by author');
    await post(t, other, 'by other');
    await waitFor('three posts in the feed', async () => (await feed(reader)).edges.length === 3);
    await ok(t.url, DeletePostDocument, { id: gone.id }, author.token);
    expect(bodies(await feed(reader))).toEqual(['by other', 'by author']);
    await ok(t.url, UnfollowDocument, { userId: author.id }, reader.token);
    expect(bodies(await feed(reader))).toEqual(['by other']);
  });

  it('reads a page in a fixed number of queries, however many posts and authors it shows', async () => {
    const reader = await member(t);
    const authors = await Promise.all(Array.from({ length: 20 }, () => member(t)));
    for (const author of authors) {
      await follow(t, reader, author);
      const written = await post(t, author, `by ${author.username}`);
      await ok(t.url, AddCommentDocument, { postId: written.id, body: 'first' }, reader.token);
    }
    await waitFor('twenty posts in the feed', async () => (await feed(reader)).edges.length === 20);

    // Every SQL statement the social subgraph sends, while it serves one page.
    const social = t.stack.subgraphs.find((s) => s.name === 'social')!;
    const statements = async (first: number) => {
      const spy = vi.spyOn(social.orm.em.getConnection(), 'execute');
      try {
        const page = (await ok(t.url, FeedWithPreviewsDocument, { first }, reader.token)).feed;
        expect(page.edges).toHaveLength(first);
        expect(page.edges.every((e) => e.node.comments.edges.length === 1)).toBe(true);
        // The outbox relay and event consumers run beside the request on the same connection pool.
        return spy.mock.calls.filter(([sql]) => !/outbox|processed_event/.test(String(sql))).length;
      } finally {
        spy.mockRestore();
      }
    };
    const forOne = await statements(1);
    const forTwenty = await statements(20);
    // One per kind of fact (posts, likes, relations, members, comments...) whatever the page
    // size; one per post would be 20 more for each.
    expect(forOne).toBeLessThanOrEqual(10);
    expect(forTwenty - forOne).toBeLessThanOrEqual(1);
  });

  it('needs a signed-in user and a valid page size and cursor', async () => {
    const reader = await member(t);
    expect(await codes(t.url, FeedDocument, {})).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, FeedDocument, { first: 0 }, reader.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, FeedDocument, { first: 101 }, reader.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, FeedDocument, { after: 'not a cursor' }, reader.token)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('feedUpdated', () => {
  it('brings a followed author’s new post live, with the author resolved from identity; strangers get nothing', async () => {
    const [reader, author, stranger, strangersFriend] = await Promise.all([member(t), member(t), member(t), member(t)]);
    await follow(t, reader, author);
    await follow(t, stranger, strangersFriend);
    const readerLive = await subscribeToFeed(reader);
    const strangerLive = await subscribeToFeed(stranger);

    const secret = await post(t, author, 'for my followers only', 'FOLLOWERS');
    const received = await waitFor('the post on the reader’s feed', () => readerLive.subscription.results[0]);
    expect(received.errors).toBeUndefined();
    expect(received.data?.feedUpdated).toEqual({
      kind: 'POST_ADDED',
      postId: secret.id,
      post: {
        id: secret.id,
        body: 'for my followers only',
        visibility: 'FOLLOWERS',
        author: { username: author.username, displayName: author.displayName },
      },
    });

    // Events on one subject arrive in order: once the stranger has the later post of someone they
    // follow, the earlier FOLLOWERS-only post can no longer reach them.
    const later = await post(t, strangersFriend, 'a later post');
    await waitFor('the stranger’s own feed event', () => strangerLive.subscription.results.length > 0);
    expect(strangerLive.subscription.results.map((r) => r.data?.feedUpdated!.postId)).toEqual([later.id]);

    await ok(t.url, DeletePostDocument, { id: secret.id }, author.token);
    const removed = await waitFor('the removal on the reader’s feed', () => readerLive.subscription.results[1]);
    expect(removed.data?.feedUpdated).toEqual({ kind: 'POST_REMOVED', postId: secret.id, post: null });

    await readerLive.close();
    await strangerLive.close();
  });
});
