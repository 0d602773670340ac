import { describe, expect, it } from 'vitest';
import {
  canSeeComment,
  canSeePost,
  NO_RELATION,
  shouldNotify,
  type PostFacts,
  type Relation,
  type ViewerStanding,
} from '#src/visibility';
import { liveEventId, readLiveEventId, FeedEventKind, PostActivityKind } from '#src/live';

const author = '0195f000-0000-7000-8000-000000000001';
const viewer: ViewerStanding = { userId: '0195f000-0000-7000-8000-000000000002', moderates: false };
const anonymous: ViewerStanding = { userId: null, moderates: false };
const moderator: ViewerStanding = { userId: '0195f000-0000-7000-8000-000000000003', moderates: true };
const follower: Relation = { ...NO_RELATION, follows: true };
const publicPost: PostFacts = { authorId: author, visibility: 'PUBLIC', deletedAt: null };
const followersPost: PostFacts = { ...publicPost, visibility: 'FOLLOWERS' };

describe('canSeePost', () => {
  it('shows public posts to anyone, signed in or not', () => {
    expect(canSeePost(publicPost, viewer, NO_RELATION)).toBe(true);
    expect(canSeePost(publicPost, anonymous, NO_RELATION)).toBe(true);
  });

  it('shows FOLLOWERS posts to followers, the author and moderators only', () => {
    expect(canSeePost(followersPost, viewer, NO_RELATION)).toBe(false);
    expect(canSeePost(followersPost, anonymous, NO_RELATION)).toBe(false);
    expect(canSeePost(followersPost, viewer, follower)).toBe(true);
    expect(canSeePost(followersPost, { userId: author, moderates: false }, NO_RELATION)).toBe(true);
    expect(canSeePost(followersPost, moderator, NO_RELATION)).toBe(true);
  });

  it('hides posts across a block in either direction, even public ones', () => {
    expect(canSeePost(publicPost, viewer, { ...follower, blocks: true })).toBe(false);
    expect(canSeePost(publicPost, viewer, { ...follower, blockedBy: true })).toBe(false);
  });

  it('hides removed posts from everyone, author and moderators included', () => {
    const removed = { ...publicPost, deletedAt: new Date() };
    expect(canSeePost(removed, { userId: author, moderates: false }, NO_RELATION)).toBe(false);
    expect(canSeePost(removed, moderator, NO_RELATION)).toBe(false);
  });
});

describe('canSeeComment', () => {
  const comment = { authorId: author, deletedAt: null };
  it('hides removed comments and comments across a block', () => {
    expect(canSeeComment(comment, viewer, NO_RELATION)).toBe(true);
    expect(canSeeComment({ ...comment, deletedAt: new Date() }, viewer, NO_RELATION)).toBe(false);
    expect(canSeeComment(comment, viewer, { ...NO_RELATION, blockedBy: true })).toBe(false);
    expect(canSeeComment(comment, moderator, { ...NO_RELATION, blockedBy: true })).toBe(true);
  });
});

describe('shouldNotify', () => {
  it('never tells people about their own actions or across a block', () => {
    expect(shouldNotify(author, viewer.userId!, NO_RELATION)).toBe(true);
    expect(shouldNotify(author, author, NO_RELATION)).toBe(false);
    expect(shouldNotify(author, viewer.userId!, { ...NO_RELATION, blocks: true })).toBe(false);
    expect(shouldNotify(author, viewer.userId!, { ...NO_RELATION, blockedBy: true })).toBe(false);
  });
});

describe('live event ids', () => {
  it('round-trip what happened, and refuse anything else', () => {
    const postId = '0195f000-0000-7000-8000-00000000000a';
    const commentId = '0195f000-0000-7000-8000-00000000000b';
    expect(readLiveEventId(liveEventId(FeedEventKind.POST_ADDED, postId))).toEqual({
      kind: 'POST_ADDED',
      postId,
      commentId: null,
    });
    expect(readLiveEventId(liveEventId(PostActivityKind.COMMENTED, postId, commentId))).toEqual({
      kind: 'COMMENTED',
      postId,
      commentId,
    });
    expect(readLiveEventId('')).toBeNull();
    expect(readLiveEventId(Buffer.from('a:b:c:d').toString('base64url'))).toBeNull();
  });
});
