import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  AddCommentDocument,
  CommentDocument,
  CreatePostDocument,
  DeleteCommentDocument,
  DeletePostDocument,
  FeedEventLookupDocument,
  LikeCommentDocument,
  LikePostDocument,
  PostActivityDocument,
  PostActivityLookupDocument,
  PostDocument,
  PostsByDocument,
  PostWithCommentsDocument,
  SharePostDocument,
  UnlikeCommentDocument,
  UnlikePostDocument,
  UpdateCommentDocument,
  UpdatePostDocument,
} from './generated/graphql.js';
import { codes, ok, request, Subscription, wsClient } from './support/client.js';
import { follow, member, moderator, notificationsOf, notified, post } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';

describe('posts', () => {
  it('are written, read, edited and removed by their author', async () => {
    const author = await member(t);
    const created = await post(t, author, '  Hello, PeerLink!  ');
    expect(created).toMatchObject({
      body: 'Hello, PeerLink!',
      visibility: 'PUBLIC',
      likeCount: 0,
      commentCount: 0,
      shareCount: 0,
      editedAt: null,
    });
    expect(created.author).toEqual({ id: author.id, username: author.username, displayName: author.displayName });

    const anonymous = await request(t.url, PostDocument, { id: created.id });
    expect(anonymous.data?.post!.body).toBe('Hello, PeerLink!');

    const edited = (
      await ok(
        t.url,
        UpdatePostDocument,
        { id: created.id, input: { body: 'Hello again', visibility: 'FOLLOWERS' } },
        author.token,
      )
    ).updatePost;
    expect(edited).toMatchObject({ body: 'Hello again', visibility: 'FOLLOWERS' });
    expect(edited.editedAt).not.toBeNull();

    expect((await ok(t.url, DeletePostDocument, { id: created.id }, author.token)).deletePost).toBe(true);
    expect(await codes(t.url, PostDocument, { id: created.id }, author.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, DeletePostDocument, { id: created.id }, author.token)).toEqual(['NOT_FOUND']);
  });

  it('refuse bad input and anonymous writers, and change nothing', async () => {
    const author = await member(t);
    expect(await codes(t.url, CreatePostDocument, { input: { body: '   ' } }, author.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, CreatePostDocument, { input: { body: 'x'.repeat(5001) } }, author.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, CreatePostDocument, { input: { body: 'hi' } })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, PostDocument, { id: UNKNOWN }, author.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, PostDocument, { id: 'not-an-id' }, author.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, PostsByDocument, { authorId: UNKNOWN }, author.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, PostsByDocument, { authorId: 'nope' }, author.token)).toEqual(['BAD_USER_INPUT']);
    const kept = await post(t, author, 'kept as it is');
    expect(await codes(t.url, UpdatePostDocument, { id: kept.id, input: { body: '' } }, author.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      (await ok(t.url, PostsByDocument, { authorId: author.id }, author.token)).posts.edges.map((e) => e.node.body),
    ).toEqual(['kept as it is']);
  });

  it('can be changed only by their author, and removed by a moderator', async () => {
    const [author, other] = await Promise.all([member(t), member(t)]);
    const mod = await moderator(t);
    const target = await post(t, author, 'mine');
    expect(await codes(t.url, UpdatePostDocument, { id: target.id, input: { body: 'hijacked' } }, other.token)).toEqual(
      ['FORBIDDEN'],
    );
    expect(await codes(t.url, DeletePostDocument, { id: target.id }, other.token)).toEqual(['FORBIDDEN']);
    expect(
      await codes(t.url, UpdatePostDocument, { id: target.id, input: { body: 'edited by mod' } }, mod.token),
    ).toEqual(['FORBIDDEN']);
    expect((await ok(t.url, PostDocument, { id: target.id }, other.token)).post.body).toBe('mine');
    const rude = (await ok(t.url, AddCommentDocument, { postId: target.id, body: 'rude' }, other.token)).addComment;
    expect((await ok(t.url, DeleteCommentDocument, { id: rude.id }, mod.token)).deleteComment).toBe(true);
    expect(await codes(t.url, CommentDocument, { id: rude.id }, other.token)).toEqual(['NOT_FOUND']);
    expect((await ok(t.url, DeletePostDocument, { id: target.id }, mod.token)).deletePost).toBe(true);
    expect(await codes(t.url, PostDocument, { id: target.id }, author.token)).toEqual(['NOT_FOUND']);
  });

  it('keep FOLLOWERS-only posts from everyone but followers: reads, lists, comments, likes and shares', async () => {
    const [author, fan, stranger] = await Promise.all([member(t), member(t), member(t)]);
    await follow(t, fan, author);
    const secret = await post(t, author, 'followers only', 'FOLLOWERS');
    await post(t, author, 'for everyone');

    expect((await ok(t.url, PostDocument, { id: secret.id }, fan.token)).post.body).toBe('followers only');
    expect(await codes(t.url, PostDocument, { id: secret.id }, stranger.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, PostDocument, { id: secret.id })).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AddCommentDocument, { postId: secret.id, body: 'sneaky' }, stranger.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect(await codes(t.url, LikePostDocument, { postId: secret.id }, stranger.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, PostWithCommentsDocument, { id: secret.id }, stranger.token)).toEqual(['NOT_FOUND']);
    const fanComment = (await ok(t.url, AddCommentDocument, { postId: secret.id, body: 'for followers' }, fan.token))
      .addComment;
    expect(await codes(t.url, CommentDocument, { id: fanComment.id }, stranger.token)).toEqual(['NOT_FOUND']);
    // The lookups behind the live fields apply the same rules (their ids are opaque to clients).
    const liveId = (...parts: string[]) => Buffer.from(parts.join(':')).toString('base64url');
    expect(
      await codes(t.url, FeedEventLookupDocument, { id: liveId('POST_ADDED', secret.id) }, stranger.token),
    ).toEqual(['NOT_FOUND']);
    expect(
      (await ok(t.url, FeedEventLookupDocument, { id: liveId('POST_ADDED', secret.id) }, fan.token)).feedEvent.postId,
    ).toBe(secret.id);
    expect(await codes(t.url, FeedEventLookupDocument, { id: 'garbage' }, fan.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, FeedEventLookupDocument, { id: liveId('POST_ADDED', secret.id) })).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(await codes(t.url, PostActivityLookupDocument, { id: liveId('LIKED', secret.id) }, stranger.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect(await codes(t.url, PostActivityLookupDocument, { id: liveId('NOT_A_KIND', secret.id) }, fan.token)).toEqual([
      'NOT_FOUND',
    ]);
    // Sharing would show it to people the author did not choose, even for a follower.
    expect(await codes(t.url, SharePostDocument, { postId: secret.id }, fan.token)).toEqual(['BAD_USER_INPUT']);

    const listed = async (token?: string) =>
      (await request(t.url, PostsByDocument, { authorId: author.id }, { token })).data?.posts!.edges.map(
        (e) => e.node.body,
      );
    expect(await listed(fan.token)).toEqual(['for everyone', 'followers only']);
    expect(await listed(stranger.token)).toEqual(['for everyone']);
    expect(await listed()).toEqual(['for everyone']);
  });
});

describe('likes', () => {
  it('count once per person, show the viewer’s own like, and tell the author but not oneself', async () => {
    const [author, fan] = await Promise.all([member(t), member(t)]);
    const target = await post(t, author, 'like me');
    expect((await ok(t.url, LikePostDocument, { postId: target.id }, author.token)).likePost).toMatchObject({
      likeCount: 1,
      viewerHasLiked: true,
    });
    await ok(t.url, LikePostDocument, { postId: target.id }, fan.token);
    const twice = (await ok(t.url, LikePostDocument, { postId: target.id }, fan.token)).likePost;
    expect(twice).toMatchObject({ likeCount: 2, viewerHasLiked: true });

    const notice = await notified(t, author, /liked your post/);
    expect(notice).toMatchObject({
      kind: 'LIKE',
      title: `${fan.displayName} liked your post`,
      body: '“like me”',
      actor: { username: fan.username },
      post: { id: target.id },
    });
    // The author's own like, which came first, told nobody; the repeated like told nobody again.
    expect((await notificationsOf(t, author)).filter((n) => n.kind === 'LIKE')).toHaveLength(1);

    expect((await ok(t.url, UnlikePostDocument, { postId: target.id }, fan.token)).unlikePost).toMatchObject({
      likeCount: 1,
      viewerHasLiked: false,
    });
    expect((await ok(t.url, UnlikePostDocument, { postId: target.id }, fan.token)).unlikePost).toMatchObject({
      likeCount: 1,
    });
    expect(await codes(t.url, LikePostDocument, { postId: UNKNOWN }, fan.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, LikePostDocument, { postId: target.id })).toEqual(['UNAUTHENTICATED']);
  });
});

describe('comments', () => {
  it('thread under a post, count, and notify the post’s author and the replied-to author', async () => {
    const [author, first, second] = await Promise.all([member(t), member(t), member(t)]);
    const target = await post(t, author, 'discuss');
    const top = (await ok(t.url, AddCommentDocument, { postId: target.id, body: 'first!' }, first.token)).addComment;
    expect(top).toMatchObject({
      body: 'first!',
      parent: null,
      post: { id: target.id },
      author: { username: first.username },
      replyCount: 0,
    });
    const reply = (
      await ok(t.url, AddCommentDocument, { postId: target.id, body: 'a reply', parentId: top.id }, second.token)
    ).addComment;
    expect(reply.parent).toEqual({ id: top.id });

    const thread = (await ok(t.url, PostWithCommentsDocument, { id: target.id }, author.token)).post;
    expect(thread.commentCount).toBe(2);
    expect(thread.comments.edges.map((e) => e.node.body)).toEqual(['first!']);
    expect(thread.comments.edges[0]!.node.replyCount).toBe(1);
    expect(thread.comments.edges[0]!.node.replies.edges.map((e) => e.node.body)).toEqual(['a reply']);

    expect(await notified(t, author, new RegExp(`${first.displayName} commented on your post`))).toMatchObject({
      kind: 'COMMENT',
      body: '“first!”',
      post: { id: target.id },
    });
    expect(await notified(t, first, /replied to your comment/)).toMatchObject({
      kind: 'COMMENT',
      body: '“a reply”',
      actor: { username: second.username },
    });
    // A reply is a comment on the post too, so its author hears of it.
    expect(await notified(t, author, new RegExp(`${second.displayName} commented on your post`))).toMatchObject({
      body: '“a reply”',
    });
  });

  it('take many replies to one comment at once, every one counted', async () => {
    const [author, ...repliers] = await Promise.all(Array.from({ length: 7 }, () => member(t)));
    const target = await post(t, author, 'busy thread');
    const top = (await ok(t.url, AddCommentDocument, { postId: target.id, body: 'reply to me' }, author.token))
      .addComment;
    // Each reply locks the comment, then the post, then counts on the comment: done all at once, they
    // must queue, not deadlock.
    const results = await Promise.all(
      repliers.map((who, i) =>
        request(
          t.url,
          AddCommentDocument,
          { postId: target.id, body: `reply ${i}`, parentId: top.id },
          { token: who.token },
        ),
      ),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const thread = (await ok(t.url, PostWithCommentsDocument, { id: target.id }, author.token)).post;
    expect(thread).toMatchObject({ commentCount: 7, comments: { edges: [{ node: { replyCount: 6 } }] } });
  });

  it('show each post’s first comments across a feed page', async () => {
    const [author, talker] = await Promise.all([member(t), member(t)]);
    const quiet = await post(t, author, 'no comments');
    const busy = await post(t, author, 'two comments');
    await ok(t.url, AddCommentDocument, { postId: busy.id, body: 'one' }, talker.token);
    await ok(t.url, AddCommentDocument, { postId: busy.id, body: 'two' }, talker.token);
    const [quietPage, busyPage] = await Promise.all([
      ok(t.url, PostWithCommentsDocument, { id: quiet.id, first: 1 }, talker.token),
      ok(t.url, PostWithCommentsDocument, { id: busy.id, first: 1 }, talker.token),
    ]);
    expect(quietPage.post.comments.edges).toEqual([]);
    expect(busyPage.post.comments.edges.map((e) => e.node.body)).toEqual(['one']);
    expect(busyPage.post.comments.pageInfo.hasNextPage).toBe(true);
  });

  it('page oldest first', async () => {
    const [author, talker] = await Promise.all([member(t), member(t)]);
    const target = await post(t, author, 'long thread');
    for (let i = 1; i <= 3; i++)
      await ok(t.url, AddCommentDocument, { postId: target.id, body: `c${i}` }, talker.token);
    const page = (await ok(t.url, PostWithCommentsDocument, { id: target.id, first: 2 }, author.token)).post.comments;
    expect(page.edges.map((e) => e.node.body)).toEqual(['c1', 'c2']);
    const next = (
      await ok(
        t.url,
        PostWithCommentsDocument,
        { id: target.id, first: 2, after: page.pageInfo.endCursor },
        author.token,
      )
    ).post.comments;
    expect(next.edges.map((e) => e.node.body)).toEqual(['c3']);
    expect(next.pageInfo.hasNextPage).toBe(false);
  });

  it('are edited by their author only, liked once, and removed with their replies', async () => {
    const [author, writer, other] = await Promise.all([member(t), member(t), member(t)]);
    const target = await post(t, author, 'comment here');
    const comment = (await ok(t.url, AddCommentDocument, { postId: target.id, body: 'typo' }, writer.token)).addComment;
    await ok(t.url, AddCommentDocument, { postId: target.id, body: 'reply', parentId: comment.id }, other.token);

    expect(await codes(t.url, UpdateCommentDocument, { id: comment.id, body: 'not yours' }, other.token)).toEqual([
      'FORBIDDEN',
    ]);
    expect(await codes(t.url, UpdateCommentDocument, { id: comment.id, body: ' ' }, writer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    const fixed = (await ok(t.url, UpdateCommentDocument, { id: comment.id, body: 'fixed' }, writer.token))
      .updateComment;
    expect(fixed.body).toBe('fixed');
    expect(fixed.editedAt).not.toBeNull();

    await ok(t.url, LikeCommentDocument, { commentId: comment.id }, other.token);
    expect((await ok(t.url, LikeCommentDocument, { commentId: comment.id }, other.token)).likeComment).toMatchObject({
      likeCount: 1,
      viewerHasLiked: true,
    });
    expect(await notified(t, writer, /liked your comment/)).toMatchObject({ kind: 'LIKE', body: '“fixed”' });
    expect(
      (await ok(t.url, UnlikeCommentDocument, { commentId: comment.id }, other.token)).unlikeComment,
    ).toMatchObject({ likeCount: 0, viewerHasLiked: false });

    expect(await codes(t.url, DeleteCommentDocument, { id: comment.id }, other.token)).toEqual(['FORBIDDEN']);
    // The post's author may clear their own comment section.
    expect((await ok(t.url, DeleteCommentDocument, { id: comment.id }, author.token)).deleteComment).toBe(true);
    expect(await codes(t.url, CommentDocument, { id: comment.id }, writer.token)).toEqual(['NOT_FOUND']);
    const after = (await ok(t.url, PostWithCommentsDocument, { id: target.id }, author.token)).post;
    expect(after.commentCount).toBe(0);
    expect(after.comments.edges).toEqual([]);
  });

  it('refuse bad input', async () => {
    const [author, other] = await Promise.all([member(t), member(t)]);
    const target = await post(t, author, 'a post');
    const elsewhere = await post(t, author, 'another post');
    const comment = (await ok(t.url, AddCommentDocument, { postId: elsewhere.id, body: 'over there' }, other.token))
      .addComment;
    expect(await codes(t.url, AddCommentDocument, { postId: target.id, body: '' }, other.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, AddCommentDocument, { postId: target.id, body: 'x'.repeat(2001) }, other.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, AddCommentDocument, { postId: UNKNOWN, body: 'hello' }, other.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect(
      await codes(t.url, AddCommentDocument, { postId: target.id, body: 'hi', parentId: comment.id }, other.token),
    ).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AddCommentDocument, { postId: target.id, body: 'hi' })).toEqual(['UNAUTHENTICATED']);
    expect((await ok(t.url, PostWithCommentsDocument, { id: target.id }, author.token)).post.commentCount).toBe(0);
  });
});

describe('shares', () => {
  it('make a new post pointing at the original, count on it, and tell its author', async () => {
    const [author, sharer] = await Promise.all([member(t), member(t)]);
    const original = await post(t, author, 'worth sharing');
    const share = (await ok(t.url, SharePostDocument, { postId: original.id, body: 'look at this' }, sharer.token))
      .sharePost;
    expect(share).toMatchObject({
      body: 'look at this',
      author: { username: sharer.username },
      sharedPost: { id: original.id, body: 'worth sharing', author: { username: author.username } },
    });
    // A share of the share shares the original.
    const again = (await ok(t.url, SharePostDocument, { postId: share.id }, author.token)).sharePost;
    expect(again.sharedPost?.id).toBe(original.id);
    expect((await ok(t.url, PostDocument, { id: original.id }, author.token)).post.shareCount).toBe(2);
    expect(await notified(t, author, /shared your post/)).toMatchObject({
      kind: 'SHARE',
      actor: { username: sharer.username },
      post: { id: share.id },
    });

    await ok(t.url, DeletePostDocument, { id: original.id }, author.token);
    expect((await ok(t.url, PostDocument, { id: share.id }, sharer.token)).post.sharedPost).toBeNull();
  });

  it('count only when public: a FOLLOWERS-only share is invisible to the rest, its author included', async () => {
    const [author, sharer, witness] = await Promise.all([member(t), member(t), member(t)]);
    const original = await post(t, author, 'share me quietly');
    const quiet = (await ok(t.url, SharePostDocument, { postId: original.id, visibility: 'FOLLOWERS' }, sharer.token))
      .sharePost;
    expect((await ok(t.url, PostDocument, { id: original.id }, witness.token)).post.shareCount).toBe(0);
    expect(await codes(t.url, PostDocument, { id: quiet.id }, author.token)).toEqual(['NOT_FOUND']);

    // Made public, it counts and would have been news; a later public share is.
    await ok(t.url, UpdatePostDocument, { id: quiet.id, input: { visibility: 'PUBLIC' } }, sharer.token);
    expect((await ok(t.url, PostDocument, { id: original.id }, witness.token)).post.shareCount).toBe(1);
    const loud = (await ok(t.url, SharePostDocument, { postId: original.id }, witness.token)).sharePost;
    await notified(t, author, new RegExp(`${witness.displayName} shared your post`));
    const shares = (await notificationsOf(t, author)).filter((n) => n.kind === 'SHARE');
    expect(shares.map((n) => n.post?.id)).toEqual([loud.id]);
  });
});

describe('postActivity', () => {
  it('streams live counts and new comments of a post to those who may see it', async () => {
    const [author, fan, stranger] = await Promise.all([member(t), member(t), member(t)]);
    await follow(t, fan, author);
    const secret = await post(t, author, 'followers only', 'FOLLOWERS');
    const open = await post(t, author, 'public');

    const fanClient = wsClient(t.url, fan.token);
    const strangerClient = wsClient(t.url, stranger.token);
    const fanLive = new Subscription(fanClient, PostActivityDocument, { postId: secret.id });
    const strangerSecret = new Subscription(strangerClient, PostActivityDocument, { postId: secret.id });
    const strangerOpen = new Subscription(strangerClient, PostActivityDocument, { postId: open.id });
    await waitFor(
      'three live subscriptions',
      () =>
        t.stack.gateway.live.subscriptionsOf(fan.id) === 1 && t.stack.gateway.live.subscriptionsOf(stranger.id) === 2,
    );

    await ok(t.url, LikePostDocument, { postId: secret.id }, fan.token);
    const liked = await waitFor('the like', () => fanLive.results[0]);
    expect(liked.data?.postActivity).toEqual({
      kind: 'LIKED',
      post: { id: secret.id, likeCount: 1, commentCount: 0, shareCount: 0 },
      comment: null,
    });

    const comment = (await ok(t.url, AddCommentDocument, { postId: secret.id, body: 'nice' }, author.token)).addComment;
    const commented = await waitFor('the comment', () => fanLive.results[1]);
    expect(commented.data?.postActivity).toEqual({
      kind: 'COMMENTED',
      post: { id: secret.id, likeCount: 1, commentCount: 1, shareCount: 0 },
      comment: { id: comment.id, body: 'nice', author: { username: author.username } },
    });

    // Activity on the public post comes after; once the stranger has it, the earlier events on the
    // FOLLOWERS-only post can no longer reach them.
    await ok(t.url, LikePostDocument, { postId: open.id }, fan.token);
    await waitFor('the public like', () => strangerOpen.results[0]);
    expect(strangerSecret.results).toEqual([]);
    await fanClient.dispose();
    await strangerClient.dispose();
  });
});
