import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddCommentDocument,
  BlockDocument,
  DeleteCommentDocument,
  DismissReportsDocument,
  DeletePostDocument,
  FeedDocument,
  FollowDocument,
  LikePostDocument,
  LoginDocument,
  PostDocument,
  PostWithCommentsDocument,
  ProfileDocument,
  ReportedPostsDocument,
  ReportPostDocument,
  SharePostDocument,
  ResyncAccountsDocument,
  UnblockDocument,
  UnfollowDocument,
} from './generated/graphql.js';
import pg from 'pg';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { codes, ok, request } from './support/client.js';
import { follow, member, moderator, notificationsOf, notified, post, type Member } from './support/social.js';
import { makeAdmin, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';
const profile = async (of: Member, viewer?: Member) =>
  (await ok(t.url, ProfileDocument, { username: of.username, first: 10 }, viewer?.token)).user!;

describe('follows', () => {
  it('count once, list both ways, and tell the followed user', async () => {
    const [fan, star] = await Promise.all([member(t), member(t)]);
    const followed = await follow(t, fan, star);
    expect(followed).toEqual({ id: star.id, username: star.username, followerCount: 1, viewerIsFollowing: true });
    expect((await ok(t.url, FollowDocument, { userId: star.id }, fan.token)).follow.followerCount).toBe(1);

    const starProfile = await profile(star, fan);
    expect(starProfile).toMatchObject({
      followerCount: 1,
      followingCount: 0,
      viewerIsFollowing: true,
      viewerHasBlocked: false,
    });
    expect(starProfile.followers!.edges.map((e) => e.node!.username)).toEqual([fan.username]);
    expect((await profile(fan)).following!.edges.map((e) => e.node!.username)).toEqual([star.username]);
    expect((await profile(star)).viewerIsFollowing).toBe(false);

    expect(await notified(t, star, /started following you/)).toMatchObject({
      kind: 'FOLLOW',
      actor: { username: fan.username },
      post: null,
    });

    expect((await ok(t.url, UnfollowDocument, { userId: star.id }, fan.token)).unfollow).toEqual({
      id: star.id,
      followerCount: 0,
      viewerIsFollowing: false,
    });
    expect((await profile(fan)).followingCount).toBe(0);
  });

  it('go through when people follow each other in a circle at the same moment', async () => {
    const circle = await Promise.all([member(t), member(t), member(t), member(t)]);
    // Each follow counts on both members' rows; in a circle, each would hold one row the next wants.
    const everyone = (follow: boolean) =>
      Promise.all(
        circle.map((who, i) =>
          request(
            t.url,
            (follow ? FollowDocument : UnfollowDocument) as typeof FollowDocument,
            { userId: circle[(i + 1) % circle.length]!.id },
            { token: who.token },
          ),
        ),
      );
    for (const follow of [true, false, true]) {
      const results = await everyone(follow);
      expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    }
    for (const who of circle) expect(await profile(who, who)).toMatchObject({ followerCount: 1, followingCount: 1 });
  });

  it('refuse yourself, unknown users and anonymous callers', async () => {
    const fan = await member(t);
    expect(await codes(t.url, FollowDocument, { userId: fan.id }, fan.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, FollowDocument, { userId: UNKNOWN }, fan.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, FollowDocument, { userId: 'x' }, fan.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, FollowDocument, { userId: fan.id })).toEqual(['UNAUTHENTICATED']);
    expect((await profile(fan, fan)).followingCount).toBe(0);
  });

  it('page followers, most recent first', async () => {
    const star = await member(t);
    const fans = [];
    for (let i = 0; i < 3; i++) {
      const fan = await member(t);
      await follow(t, fan, star);
      fans.push(fan);
    }
    const first = (await ok(t.url, ProfileDocument, { username: star.username, first: 2 }, star.token)).user!.followers;
    expect(first!.edges.map((e) => e.node!.username)).toEqual([fans[2]!.username, fans[1]!.username]);
    expect(first!.pageInfo.hasNextPage).toBe(true);
  });
});

describe('blocks', () => {
  it('end following both ways and hide each other’s posts, comments and profiles’ posts', async () => {
    const [blocker, pest, bystander] = await Promise.all([member(t), member(t), member(t)]);
    await follow(t, blocker, pest);
    await follow(t, pest, blocker);
    const mine = await post(t, blocker, 'my public post');
    const theirs = await post(t, pest, 'their public post');
    const elsewhere = await post(t, bystander, 'a third party post');
    const pestComment = (
      await ok(t.url, AddCommentDocument, { postId: elsewhere.id, body: 'pest was here' }, pest.token)
    ).addComment;
    const pestOnMine = (await ok(t.url, AddCommentDocument, { postId: mine.id, body: 'pest on my post' }, pest.token))
      .addComment;

    const blocked = (await ok(t.url, BlockDocument, { userId: pest.id }, blocker.token)).block;
    expect(blocked).toEqual({ id: pest.id, viewerHasBlocked: true, viewerIsFollowing: false });
    expect(await profile(blocker, blocker)).toMatchObject({ followerCount: 0, followingCount: 0 });

    // The blocked user can no longer follow, see, comment on or like the blocker's posts.
    expect(await codes(t.url, FollowDocument, { userId: blocker.id }, pest.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, PostDocument, { id: mine.id }, pest.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AddCommentDocument, { postId: mine.id, body: 'hey' }, pest.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, LikePostDocument, { postId: mine.id }, pest.token)).toEqual(['NOT_FOUND']);
    expect((await profile(blocker, pest)).posts!.edges).toEqual([]);
    // Nor can they reach the blocker through a third party's post.
    const blockerComment = (
      await ok(t.url, AddCommentDocument, { postId: elsewhere.id, body: 'blocker here' }, blocker.token)
    ).addComment;
    expect(
      await codes(
        t.url,
        AddCommentDocument,
        { postId: elsewhere.id, body: 'reply', parentId: blockerComment.id },
        pest.token,
      ),
    ).toEqual(['NOT_FOUND']);

    // And the blocker no longer sees them.
    expect(await codes(t.url, PostDocument, { id: theirs.id }, blocker.token)).toEqual(['NOT_FOUND']);
    const thread = (
      await ok(t.url, PostWithCommentsDocument, { id: elsewhere.id }, blocker.token)
    ).post.comments.edges.map((e) => e.node.id);
    expect(thread).toEqual([blockerComment.id]);
    const feed = (await ok(t.url, FeedDocument, {}, blocker.token)).feed.edges.map((e) => e.node.body);
    expect(feed).toEqual(['my public post']);
    const bystanderView = (
      await ok(t.url, PostWithCommentsDocument, { id: elsewhere.id }, bystander.token)
    ).post.comments.edges.map((e) => e.node.id);
    expect(bystanderView).toEqual([pestComment.id, blockerComment.id]);

    // Nothing the pest did after the block reached the blocker: only the follow and the comment from before it.
    const notes = await notificationsOf(t, blocker);
    const fromPest = notes.filter(
      (n) => n.actor?.username === pest.username && n.kind !== 'FOLLOW' && n.body !== '“pest on my post”',
    );
    expect(fromPest).toEqual([]);

    // The blocker no longer sees the pest's comment on their post, but can still clear it for everyone else.
    expect(await codes(t.url, DeleteCommentDocument, { id: pestOnMine.id }, bystander.token)).toEqual(['FORBIDDEN']);
    expect((await ok(t.url, DeleteCommentDocument, { id: pestOnMine.id }, blocker.token)).deleteComment).toBe(true);
    expect((await ok(t.url, PostWithCommentsDocument, { id: mine.id }, bystander.token)).post.commentCount).toBe(0);

    expect((await ok(t.url, UnblockDocument, { userId: pest.id }, blocker.token)).unblock).toEqual({
      id: pest.id,
      viewerHasBlocked: false,
    });
    expect((await ok(t.url, PostDocument, { id: mine.id }, pest.token)).post.body).toBe('my public post');
  });

  it('win over a like, a comment or a share that was already under way', async () => {
    const [author, pest] = await Promise.all([member(t), member(t)]);
    const mine = await post(t, author, 'racing the block');
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    // The pair's own advisory lock (its key split into pg_locks' two halves) is waited for: the interaction has read
    // the post and waits for the pair.
    const pairKey = [author.id, pest.id].sort().join(':');
    const waiting = async () =>
      (
        await db.query(
          `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted
             and database = (select oid from pg_database where datname = current_database())
             and ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
          [pairKey],
        )
      ).rows[0].n > 0;
    try {
      for (const [name, attempt] of [
        ['like', () => request(t.url, LikePostDocument, { postId: mine.id }, { token: pest.token })],
        [
          'comment',
          () => request(t.url, AddCommentDocument, { postId: mine.id, body: 'just in time?' }, { token: pest.token }),
        ],
        ['share', () => request(t.url, SharePostDocument, { postId: mine.id }, { token: pest.token })],
      ] as const) {
        // The block is being committed as the pest acts: it holds the pair's lock, as blocking does.
        await db.query('begin');
        await db.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [pairKey]);
        await db.query('insert into social.blocks (blocker_id, blocked_id, created_at) values ($1, $2, now())', [
          author.id,
          pest.id,
        ]);
        const pending = attempt();
        await waitFor(`the ${name} to wait for the block`, waiting);
        await db.query('commit');
        expect((await pending).errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
        await db.query('delete from social.blocks where blocker_id = $1 and blocked_id = $2', [author.id, pest.id]);
      }
    } finally {
      await db.end();
    }
    expect((await ok(t.url, PostDocument, { id: mine.id }, author.token)).post).toMatchObject({
      likeCount: 0,
      commentCount: 0,
      shareCount: 0,
    });
  });

  it('refuse yourself and unknown users', async () => {
    const user = await member(t);
    expect(await codes(t.url, BlockDocument, { userId: user.id }, user.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, BlockDocument, { userId: UNKNOWN }, user.token)).toEqual(['NOT_FOUND']);
  });
});

describe('members', () => {
  it('are learnt again from identity when an admin resyncs accounts', async () => {
    const [fan, ghost, admin] = await Promise.all([member(t), member(t), member(t, 'adm')]);
    // As if the account were older than social: social has never heard of it.
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    await db.query('delete from social.members where user_id = $1', [ghost.id]);
    await db.end();
    expect(await codes(t.url, FollowDocument, { userId: ghost.id }, fan.token)).toEqual(['NOT_FOUND']);

    expect(await codes(t.url, ResyncAccountsDocument, {}, fan.token)).toEqual(['FORBIDDEN']);
    await makeAdmin(t, admin.username);
    const { login } = await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } });
    expect((await ok(t.url, ResyncAccountsDocument, {}, login.accessToken)).resyncAccounts).toBeGreaterThanOrEqual(3);
    const followed = await waitFor(
      'social to know the account again',
      async () => (await request(t.url, FollowDocument, { userId: ghost.id }, { token: fan.token })).data?.follow,
    );
    expect(followed).toMatchObject({ username: ghost.username, followerCount: 1 });
  });
});

describe('reports', () => {
  it('queue reported posts for moderators, who dismiss them or remove the post', async () => {
    const [author, first, second] = await Promise.all([member(t), member(t), member(t)]);
    const mod = await moderator(t);
    const bad = await post(t, author, 'something awful');
    const fine = await post(t, author, 'something fine');
    expect(await codes(t.url, ReportPostDocument, { postId: bad.id, reason: 'x' }, author.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, ReportPostDocument, { postId: bad.id, reason: '  ' }, first.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, ReportPostDocument, { postId: UNKNOWN, reason: 'spam' }, first.token)).toEqual([
      'NOT_FOUND',
    ]);
    await ok(t.url, ReportPostDocument, { postId: bad.id, reason: 'spam' }, first.token);
    await ok(t.url, ReportPostDocument, { postId: bad.id, reason: 'abuse' }, first.token);
    await ok(t.url, ReportPostDocument, { postId: bad.id, reason: 'harassment' }, second.token);
    await ok(t.url, ReportPostDocument, { postId: fine.id, reason: 'I disagree' }, second.token);

    expect(await codes(t.url, ReportedPostsDocument, {}, first.token)).toEqual(['FORBIDDEN']);
    const queue = (await ok(t.url, ReportedPostsDocument, {}, mod.token)).reportedPosts.edges.map((e) => e.node);
    expect(queue.map((q) => [q.post.body, q.reportCount])).toEqual([
      ['something fine', 1],
      ['something awful', 2],
    ]);
    expect(queue[1]!.reports.map((r) => [r.reporter!.username, r.reason])).toEqual([
      [second.username, 'harassment'],
      [first.username, 'abuse'],
    ]);

    expect(await codes(t.url, DismissReportsDocument, { postId: fine.id }, first.token)).toEqual(['FORBIDDEN']);
    expect((await ok(t.url, DismissReportsDocument, { postId: fine.id }, mod.token)).dismissReports).toBe(1);
    await ok(t.url, DeletePostDocument, { id: bad.id }, mod.token);
    expect((await ok(t.url, ReportedPostsDocument, {}, mod.token)).reportedPosts.edges).toEqual([]);
    expect((await ok(t.url, PostDocument, { id: fine.id }, first.token)).post.body).toBe('something fine');
  });
});
