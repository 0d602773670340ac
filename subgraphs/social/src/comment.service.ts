import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { forbidden, notFound } from '@peerlink/platform/errors';
import { refuseAcrossBlocks } from './pair-lock.js';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { decodeCursor, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import { Comment } from './comment.entity.js';
import type { NotifyRequest, SocialEvents } from '@peerlink/contracts/social';
import { PostActivityKind } from './live.js';
import { canUserSeePost, type SocialLoaders } from './loaders.js';
import type { Post } from './post.entity.js';
import { moderates, requireMember, type PostService } from './post.service.js';
import { rows, table } from '@peerlink/platform/db/sql';
import { excerpt, text } from '@peerlink/platform/text';
import { COMMENT, shouldNotify } from './visibility.js';

/** Comments and replies: whoever sees a post may comment on it. Lists read oldest first, like a conversation. */
export class CommentService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<SocialEvents>,
    private readonly posts: PostService,
  ) {}

  async visible(id: string, loaders: SocialLoaders): Promise<Comment> {
    const comment = isUuid(id) ? await loaders.visibleComment(id) : null;
    if (!comment) throw notFound('Comment');
    return comment;
  }

  /**
   * The post's author hears of a comment; a reply's parent author hears of the reply (once, as a
   * reply, when that is the same person).
   */
  async add(
    viewer: Viewer,
    postId: string,
    bodyInput: string,
    parentId: string | null | undefined,
    loaders: SocialLoaders,
  ): Promise<Comment> {
    const post = await this.posts.visible(postId, loaders);
    const parent = parentId ? await this.visible(parentId, loaders) : null;
    if (parent && parent.postId !== post.id) throw notFound('Comment');
    const body = text(bodyInput, 'body', COMMENT);
    await requireMember(loaders, viewer.userId);
    const em = this.orm.em as EntityManager;
    const notify: NotifyRequest[] = [];
    // The parent's author hears of a reply only while they may still see the post it is under.
    if (
      parent &&
      shouldNotify(viewer.userId, parent.authorId, await loaders.relation.load(parent.authorId)) &&
      (await canUserSeePost(em, parent.authorId, post))
    ) {
      notify.push({ userId: parent.authorId, reason: 'comment_replied' });
    }
    if (
      parent?.authorId !== post.authorId &&
      shouldNotify(viewer.userId, post.authorId, await loaders.relation.load(post.authorId))
    ) {
      notify.push({ userId: post.authorId, reason: 'post_commented' });
    }
    const comment = await this.outbox.transaction(async (em, publish) => {
      await refuseAcrossBlocks(em, loaders.standing, parent ? [post.authorId, parent.authorId] : [post.authorId], () =>
        notFound(parent ? 'Comment' : 'Post'),
      );
      // A parent removed since it was read takes its thread with it: no orphaned reply.
      if (parent) {
        // Locked as for the reply count's update below, not shared: two replies at once queue here
        // instead of each holding a share lock the other's update waits for (a deadlock).
        const live = await rows(
          em,
          `select id from ${table(em, 'comments')} where id = ? and deleted_at is null for no key update`,
          [parent.id],
        );
        if (!live.length) throw notFound('Comment');
      }
      const comment = em.create(Comment, {
        postId: post.id,
        authorId: viewer.userId,
        parentId: parent?.id ?? null,
        body,
      });
      await em.execute(`update ${table(em, 'posts')} set comment_count = comment_count + 1 where id = ?`, [post.id]);
      if (parent)
        await em.execute(`update ${table(em, 'comments')} set reply_count = reply_count + 1 where id = ?`, [parent.id]);
      publish('social.comment.added', {
        postId: post.id,
        commentId: comment.id,
        parentId: parent?.id ?? null,
        actorId: viewer.userId,
        excerpt: excerpt(body),
        notify,
      });
      this.posts.activity(publish, PostActivityKind.COMMENTED, post.id, comment.id);
      return comment;
    });
    loaders.forget(post.id, ...(parent ? [parent.id] : []));
    return comment;
  }

  async update(viewer: Viewer, id: string, bodyInput: string, loaders: SocialLoaders): Promise<Comment> {
    const comment = await this.visible(id, loaders);
    if (comment.authorId !== viewer.userId) throw forbidden('Only the author can edit a comment.');
    const body = text(bodyInput, 'body', COMMENT);
    await this.orm.em.nativeUpdate(Comment, { id, deletedAt: null }, { body, editedAt: new Date() });
    loaders.forget(id);
    return this.visible(id, loaders);
  }

  /**
   * The comment's author, the post's author, and moderators may remove a comment. Its replies go
   * with it, and the post's count drops by all of them.
   */
  async remove(viewer: Viewer, id: string, loaders: SocialLoaders): Promise<boolean> {
    // The post's author may clear a comment they cannot see (one by someone they blocked), so the
    // permission is decided on the comment itself; everyone else must be able to see it.
    const raw = isUuid(id) ? await loaders.comment.load(id) : null;
    const post = raw && !raw.deletedAt ? await loaders.post.load(raw.postId) : null;
    if (!raw || !post || post.deletedAt) throw notFound('Comment');
    const clearsOwnPost = post.authorId === viewer.userId || moderates(viewer);
    const comment = clearsOwnPost ? raw : await this.visible(id, loaders);
    if (comment.authorId !== viewer.userId && !clearsOwnPost) {
      throw forbidden('Only the author, the post’s author or a moderator can remove a comment.');
    }
    await this.outbox.transaction(async (em, publish) => {
      const comments = table(em, 'comments');
      const removed = await rows(
        em,
        `with recursive thread as (
           select id from ${comments} where id = ? and deleted_at is null
           union all
           select c.id from ${comments} c join thread t on c.parent_id = t.id where c.deleted_at is null
         )
         update ${comments} set deleted_at = now() where id in (select id from thread) and deleted_at is null returning
           id`,
        [id],
      );
      if (!removed.length) return;
      await em.execute(`update ${table(em, 'posts')} set comment_count = greatest(comment_count - ?, 0) where id = ?`, [
        removed.length,
        post.id,
      ]);
      if (comment.parentId)
        await em.execute(`update ${comments} set reply_count = greatest(reply_count - 1, 0) where id = ?`, [
          comment.parentId,
        ]);
      this.posts.activity(publish, PostActivityKind.COMMENT_REMOVED, post.id, id);
    });
    loaders.forget(id, post.id, ...(comment.parentId ? [comment.parentId] : []));
    return true;
  }

  async like(viewer: Viewer, id: string, loaders: SocialLoaders): Promise<Comment> {
    const comment = await this.visible(id, loaders);
    const post = (await loaders.post.load(comment.postId)) as Post;
    const tell =
      shouldNotify(viewer.userId, comment.authorId, await loaders.relation.load(comment.authorId)) &&
      (await canUserSeePost(this.orm.em as EntityManager, comment.authorId, post));
    await this.outbox.transaction(async (em, publish) => {
      await refuseAcrossBlocks(em, loaders.standing, [comment.authorId, post.authorId], () => notFound('Comment'));
      const added = await rows(
        em,
        `insert into ${table(em, 'comment_likes')} (comment_id, user_id, created_at) values (?, ?, now()) on ` +
          `conflict do nothing returning comment_id`,
        [id, viewer.userId],
      );
      if (!added.length) return;
      await em.execute(`update ${table(em, 'comments')} set like_count = like_count + 1 where id = ?`, [id]);
      publish('social.comment.liked', {
        postId: comment.postId,
        commentId: id,
        actorId: viewer.userId,
        excerpt: excerpt(comment.body),
        notify: tell ? [{ userId: comment.authorId, reason: 'comment_liked' }] : [],
      });
    });
    loaders.forget(id);
    return this.visible(id, loaders);
  }

  async unlike(viewer: Viewer, id: string, loaders: SocialLoaders): Promise<Comment> {
    await this.visible(id, loaders);
    const em = this.orm.em as EntityManager;
    await em.transactional(async (tx) => {
      const removed = await rows(
        tx,
        `delete from ${table(tx, 'comment_likes')} where comment_id = ? and user_id = ? returning comment_id`,
        [id, viewer.userId],
      );
      if (removed.length)
        await tx.execute(`update ${table(tx, 'comments')} set like_count = greatest(like_count - 1, 0) where id = ?`, [
          id,
        ]);
    });
    loaders.forget(id);
    return this.visible(id, loaders);
  }

  /** Top-level comments of a post (`parentId` null) or the replies to one comment, oldest first. */
  async list(
    where: { postId: string; parentId: string | null },
    first: number | null | undefined,
    after: string | null | undefined,
    loaders: SocialLoaders,
  ) {
    const size = pageSize(first);
    if (!after)
      return toConnection(await loaders.firstComments.load(`${where.postId}/${where.parentId ?? ''}/${size}`), size);
    const since = decodeCursor(after)!.id;
    const hidden = await loaders.hiddenAuthors();
    const comments = await this.orm.em.find(
      Comment,
      { ...where, deletedAt: null, ...(hidden.length ? { authorId: { $nin: hidden } } : {}), id: { $gt: since } },
      { orderBy: { id: 'asc' }, limit: size + 1 },
    );
    return toConnection(comments, size, { after });
  }
}
