import type { EntityManager } from '@mikro-orm/postgresql';
import { hasRole, type Viewer } from '@peerlink/platform/auth/viewer';
import DataLoader from 'dataloader';
import { Comment } from './comment.entity.js';
import { Member } from './member.entity.js';
import { Post } from './post.entity.js';
import { byKey, nullableUuidArray, rows, table, uuidArray, validIds } from '@peerlink/platform/db/sql';
import { canSeeComment, canSeePost, NO_RELATION, type Relation, type ViewerStanding } from './visibility.js';

/**
 * Everything a request reads about posts and people, batched per request by DataLoader: twenty
 * posts in a feed page cost one query for their like state and one for the viewer's relations to
 * their authors, not forty. Created fresh for each request, so nothing is shared between viewers.
 */
export class SocialLoaders {
  readonly standing: ViewerStanding;

  constructor(
    private readonly em: EntityManager,
    readonly viewer: Viewer | null,
  ) {
    this.standing = { userId: viewer?.userId ?? null, moderates: hasRole(viewer, 'MODERATOR') || hasRole(viewer, 'ADMIN') };
  }

  /** Posts by id, removed ones included (callers decide with canSeePost). */
  readonly post = new DataLoader<string, Post | null>(async (ids) => {
    const found = await this.em.find(Post, { id: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (p) => p.id);
  });

  readonly comment = new DataLoader<string, Comment | null>(async (ids) => {
    const found = await this.em.find(Comment, { id: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (c) => c.id);
  });

  readonly member = new DataLoader<string, Member | null>(async (ids) => {
    const found = await this.em.find(Member, { userId: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (m) => m.userId);
  });

  /** How the viewer stands towards each user: one query for any number of users. */
  readonly relation = new DataLoader<string, Relation>(async (userIds) => {
    const viewerId = this.viewer?.userId;
    if (!viewerId) return userIds.map(() => NO_RELATION);
    const found = await relationsOf(this.em, viewerId, userIds);
    return userIds.map((id) => found.get(id.toLowerCase()) ?? NO_RELATION);
  });

  /**
   * First pages of comment threads (`Post.comments`, `Comment.replies` without a cursor), for
   * many posts or comments at once: a feed page showing each post's first comments costs one query.
   * Keys are `postId/parentId/size` (parentId empty for top-level comments).
   */
  readonly firstComments = new DataLoader<string, Comment[]>(async (keys) => {
    const threads = keys.map((key) => {
      const [postId, parentId, size] = key.split('/');
      return { postId: postId!, parentId: parentId || null, size: Number(size) };
    });
    const hidden = await this.hiddenAuthors();
    const limit = Math.max(...threads.map((t) => t.size)) + 1;
    const comments = table(this.em, 'comments');
    const found = await rows<Record<string, unknown> & { post_id: string; parent_id: string | null }>(
      this.em,
      `select c.* from unnest(?::uuid[], ?::uuid[]) as t(post_id, parent_id)
       cross join lateral (
         select * from ${comments} c
         where c.post_id = t.post_id and c.parent_id is not distinct from t.parent_id and c.deleted_at is null
           and not (c.author_id = any(?::uuid[]))
         order by c.id limit ?
       ) c`,
      [uuidArray(threads.map((t) => t.postId)), nullableUuidArray(threads.map((t) => t.parentId)), uuidArray(hidden), limit],
    );
    const entities = found.map((row) => this.em.map(Comment, row));
    return threads.map((t) => entities.filter((c) => c.postId === t.postId && c.parentId === t.parentId).slice(0, t.size + 1));
  });

  readonly postLiked = this.likeLoader('post_likes', 'post_id');
  readonly commentLiked = this.likeLoader('comment_likes', 'comment_id');

  /** The users the viewer blocked or was blocked by: their comments are left out of lists. */
  private hidden: Promise<string[]> | null = null;
  hiddenAuthors(): Promise<string[]> {
    const viewerId = this.viewer?.userId;
    if (!viewerId) return Promise.resolve([]);
    this.hidden ??= rows<{ id: string }>(
      this.em,
      `select blocked_id as id from ${table(this.em, 'blocks')} where blocker_id = ?
       union select blocker_id from ${table(this.em, 'blocks')} where blocked_id = ?`,
      [viewerId, viewerId],
    ).then((found) => found.map((r) => r.id));
    return this.hidden;
  }

  /** The post if the viewer may see it, else null: to them it does not exist. */
  async visiblePost(id: string): Promise<Post | null> {
    const post = await this.post.load(id);
    if (!post) return null;
    return canSeePost(post, this.standing, await this.relation.load(post.authorId)) ? post : null;
  }

  async visibleComment(id: string): Promise<Comment | null> {
    const comment = await this.comment.load(id);
    if (!comment || !canSeeComment(comment, this.standing, await this.relation.load(comment.authorId))) return null;
    return (await this.visiblePost(comment.postId)) ? comment : null;
  }

  /** After a change, reads see the stored row rather than this request's earlier copy. */
  forget(...ids: string[]) {
    for (const id of ids) {
      this.post.clear(id);
      this.comment.clear(id);
      this.postLiked.clear(id);
      this.commentLiked.clear(id);
    }
  }

  /** After a follow or block, reads see the new counts and relation. */
  forgetUsers(...userIds: string[]) {
    for (const id of userIds) {
      this.member.clear(id);
      this.relation.clear(id);
    }
  }

  private likeLoader(likes: string, column: string) {
    return new DataLoader<string, boolean>(async (ids) => {
      const viewerId = this.viewer?.userId;
      if (!viewerId) return ids.map(() => false);
      const found = await rows<{ id: string }>(
        this.em,
        `select ${column} as id from ${table(this.em, likes)} where user_id = ? and ${column} = any(?::uuid[])`,
        [viewerId, uuidArray(ids)],
      );
      const liked = new Set(found.map((r) => r.id));
      return ids.map((id) => liked.has(id.toLowerCase()));
    });
  }
}

/** How `userId` stands towards each of `others`, by id. */
export async function relationsOf(em: EntityManager, userId: string, others: readonly string[]): Promise<Map<string, Relation>> {
  const follows = table(em, 'follows');
  const blocks = table(em, 'blocks');
  const found = await rows<{ id: string; follows: boolean; followed_by: boolean; blocks: boolean; blocked_by: boolean }>(
    em,
    `select u.id,
       exists (select 1 from ${follows} where follower_id = ? and followee_id = u.id) as follows,
       exists (select 1 from ${follows} where follower_id = u.id and followee_id = ?) as followed_by,
       exists (select 1 from ${blocks} where blocker_id = ? and blocked_id = u.id) as blocks,
       exists (select 1 from ${blocks} where blocker_id = u.id and blocked_id = ?) as blocked_by
     from unnest(?::uuid[]) as u(id)`,
    [userId, userId, userId, userId, uuidArray(others)],
  );
  return new Map(found.map((r) => [r.id, { follows: r.follows, followedBy: r.followed_by, blocks: r.blocks, blockedBy: r.blocked_by }]));
}

/** Whether another user (not the viewer) may see a post: the rules of canSeePost from their side. */
export async function canUserSeePost(em: EntityManager, userId: string, post: Post): Promise<boolean> {
  if (userId === post.authorId) return !post.deletedAt;
  const relation = (await relationsOf(em, userId, [post.authorId])).get(post.authorId) ?? NO_RELATION;
  return canSeePost(post, { userId, moderates: false }, relation);
}
