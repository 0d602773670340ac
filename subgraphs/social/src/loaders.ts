import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import DataLoader from 'dataloader';
import { Comment } from './comment.entity.js';
import { Member } from './member.entity.js';
import { Post } from './post.entity.js';
import { byKey, nullableUuidArray, rows, table, uuidArray, validIds } from '@peerlink/platform/db/sql';
import { BatchScope } from '@peerlink/platform/graphql/lookup-batch';
import { holdsRole } from '@peerlink/platform/auth/roles';
import { canSeeComment, canSeePost, NO_RELATION, type Relation, type ViewerStanding } from './visibility.js';

/**
 * Everything a request reads about posts and people, batched per request by DataLoader: twenty
 * posts in a feed page cost one query for their like state and one for the viewer's relations to
 * their authors, not forty. Created fresh for each request, so nothing is shared between viewers,
 * except through `scope`: rows whatever the viewer (posts, comments, members) and relations keyed by viewer, which a
 * batch of live lookups (a post reaching its author's followers) reads in one statement each.
 */
export class SocialLoaders {
  readonly standing: ViewerStanding;
  /** Posts by id, removed ones included (callers decide with canSeePost). */
  readonly post: DataLoader<string, Post | null>;
  /** Comments by id, removed ones included (callers decide with canSeeComment). */
  readonly comment: DataLoader<string, Comment | null>;
  /** Members (names and counts, the same for every viewer) by user id. */
  readonly member: DataLoader<string, Member | null>;
  /** Relations of `viewerId/userId` pairs, for every viewer of the scope. */
  private readonly relations: DataLoader<string, Relation>;

  constructor(
    private readonly em: EntityManager,
    readonly viewer: Viewer | null,
    scope = new BatchScope(),
  ) {
    // The role is checked only when a decision needs it (see ViewerStanding).
    this.standing = {
      userId: viewer?.userId ?? null,
      get moderates() {
        return holdsRole(viewer, ['MODERATOR', 'ADMIN']);
      },
    };
    this.post = scope.get(
      'social.post',
      () =>
        new DataLoader<string, Post | null>(async (ids) => {
          const found = await em.find(Post, { id: { $in: validIds(ids) } }, { refresh: true });
          return byKey(ids, found, (p) => p.id);
        }),
    );
    this.comment = scope.get(
      'social.comment',
      () =>
        new DataLoader<string, Comment | null>(async (ids) => {
          const found = await em.find(Comment, { id: { $in: validIds(ids) } }, { refresh: true });
          return byKey(ids, found, (c) => c.id);
        }),
    );
    // A feed event's author, for every follower in a batch: one statement, not one per follower.
    this.member = scope.get(
      'social.member',
      () =>
        new DataLoader<string, Member | null>(async (ids) => {
          const found = await em.find(Member, { userId: { $in: validIds(ids) } }, { refresh: true });
          return byKey(ids, found, (m) => m.userId);
        }),
    );
    this.relations = scope.get(
      'social.relations',
      () =>
        new DataLoader<string, Relation>(async (keys) => {
          const pairs = keys.map((key) => key.split('/') as [string, string]);
          const found = await relationPairs(em, pairs);
          return keys.map((key) => found.get(key.toLowerCase()) ?? NO_RELATION);
        }),
    );
  }

  /** How the viewer stands towards each user: one query for any number of users. */
  readonly relation = new DataLoader<string, Relation>(async (userIds) => {
    const viewerId = this.viewer?.userId;
    if (!viewerId) return userIds.map(() => NO_RELATION);
    return this.relations.loadMany(userIds.map((id) => `${viewerId}/${id}`));
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
      [
        uuidArray(threads.map((t) => t.postId)),
        nullableUuidArray(threads.map((t) => t.parentId)),
        uuidArray(hidden),
        limit,
      ],
    );
    const entities = found.map((row) => this.em.map(Comment, row));
    return threads.map((t) =>
      entities.filter((c) => c.postId === t.postId && c.parentId === t.parentId).slice(0, t.size + 1),
    );
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
      this.relations.clear(`${this.viewer?.userId}/${id}`);
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
export async function relationsOf(
  em: EntityManager,
  userId: string,
  others: readonly string[],
): Promise<Map<string, Relation>> {
  const found = await relationPairs(
    em,
    others.map((other) => [userId, other]),
  );
  return new Map(
    others.map((other) => [other.toLowerCase(), found.get(`${userId}/${other}`.toLowerCase()) ?? NO_RELATION]),
  );
}

/** How each user stands towards another, for any number of pairs in one statement, by `userId/otherId`. */
async function relationPairs(
  em: EntityManager,
  pairs: readonly (readonly [string, string])[],
): Promise<Map<string, Relation>> {
  const follows = table(em, 'follows');
  const blocks = table(em, 'blocks');
  const found = await rows<{
    user_id: string;
    other_id: string;
    follows: boolean;
    followed_by: boolean;
    blocks: boolean;
    blocked_by: boolean;
  }>(
    em,
    `select p.user_id, p.other_id,
       exists (select 1 from ${follows} where follower_id = p.user_id and followee_id = p.other_id) as follows,
       exists (select 1 from ${follows} where follower_id = p.other_id and followee_id = p.user_id) as followed_by,
       exists (select 1 from ${blocks} where blocker_id = p.user_id and blocked_id = p.other_id) as blocks,
       exists (select 1 from ${blocks} where blocker_id = p.other_id and blocked_id = p.user_id) as blocked_by
     from unnest(?::uuid[], ?::uuid[]) as p(user_id, other_id)
     where p.user_id is not null and p.other_id is not null`,
    [nullableUuidArray(pairs.map(([userId]) => userId)), nullableUuidArray(pairs.map(([, other]) => other))],
  );
  return new Map(
    found.map((r) => [
      `${r.user_id}/${r.other_id}`,
      { follows: r.follows, followedBy: r.followed_by, blocks: r.blocks, blockedBy: r.blocked_by },
    ]),
  );
}

/** Whether another user (not the viewer) may see a post: the rules of canSeePost from their side. */
export async function canUserSeePost(em: EntityManager, userId: string, post: Post): Promise<boolean> {
  if (userId === post.authorId) return !post.deletedAt;
  const relation = (await relationsOf(em, userId, [post.authorId])).get(post.authorId) ?? NO_RELATION;
  return canSeePost(post, { userId, moderates: false }, relation);
}
