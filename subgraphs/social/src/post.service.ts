import type { EntityManager } from '@mikro-orm/postgresql';
import { holdsRole, requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import { refuseAcrossBlocks } from './pair-lock.js';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import type { SocialEvents } from '@peerlink/contracts/social';
import { liveEventId, PostActivityKind } from './live.js';
import type { SocialLoaders } from './loaders.js';
import type { Member } from './member.entity.js';
import { Post, Visibility } from './post.entity.js';
import { Report } from './report.entity.js';
import { rows, table } from '@peerlink/platform/db/sql';
import { excerpt, text } from '@peerlink/platform/text';
import { POST, REPORT_REASON, SHARE_NOTE, shouldNotify } from './visibility.js';

export interface PostInput {
  body?: string | null;
  visibility?: Visibility | null;
}

export const moderates = (viewer: Viewer) => holdsRole(viewer, ['MODERATOR', 'ADMIN']);

const MEMBER_WAIT_MS = 3000;

/**
 * Social learns of new accounts from identity's events, milliseconds after sign-up. A write in
 * that window waits for the viewer's member row (their counts, and the name their posts show)
 * rather than failing at once.
 */
export async function requireMember(loaders: SocialLoaders, userId: string): Promise<Member> {
  const deadline = Date.now() + MEMBER_WAIT_MS;
  for (;;) {
    const member = await loaders.member.load(userId);
    if (member) return member;
    if (Date.now() > deadline) throw conflict('Your account is still being set up; try again in a moment.');
    loaders.member.clear(userId);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Posts: writing, sharing, liking, reporting and moderating them. */
export class PostService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<SocialEvents>,
  ) {}

  /** A post the viewer may see, or NOT_FOUND: a hidden post and a missing one look the same. */
  async visible(id: string, loaders: SocialLoaders): Promise<Post> {
    const post = isUuid(id) ? await loaders.visiblePost(id) : null;
    if (!post) throw notFound('Post');
    return post;
  }

  async create(viewer: Viewer, input: PostInput, loaders: SocialLoaders): Promise<Post> {
    const body = text(input.body ?? '', 'body', POST);
    const visibility = input.visibility ?? Visibility.PUBLIC;
    await requireMember(loaders, viewer.userId);
    return this.outbox.transaction(async (em, publish) => {
      const post = em.create(Post, { authorId: viewer.userId, body, visibility });
      publish('social.post.created', {
        postId: post.id,
        actorId: viewer.userId,
        visibility,
        sharedPostId: null,
        excerpt: excerpt(body),
        notify: [],
      });
      return post;
    });
  }

  /**
   * Shares a public post (a share of a share shares the original), with optional words of one's
   * own. Only public shares count on the original and announce themselves: a FOLLOWERS-only share
   * is invisible to everyone else, counts included.
   */
  async share(
    viewer: Viewer,
    postId: string,
    bodyInput: string | null | undefined,
    visibilityInput: Visibility | null | undefined,
    loaders: SocialLoaders,
  ) {
    const seen = await this.visible(postId, loaders);
    const original = seen.sharedPostId ? await this.visible(seen.sharedPostId, loaders) : seen;
    // Sharing a FOLLOWERS-only post would show it to people its author did not choose.
    if (original.visibility !== Visibility.PUBLIC) throw badInput('Only public posts can be shared.', 'postId');
    const body = text(bodyInput ?? '', 'body', SHARE_NOTE);
    const visibility = visibilityInput ?? Visibility.PUBLIC;
    const relation = await loaders.relation.load(original.authorId);
    // The original's author must be able to see the share they are told about.
    const authorSeesShare = visibility === Visibility.PUBLIC || relation.followedBy;
    await requireMember(loaders, viewer.userId);
    const share = await this.outbox.transaction(async (em, publish) => {
      await refuseAcrossBlocks(em, loaders.standing, [seen.authorId, original.authorId], () => notFound('Post'));
      const share = em.create(Post, { authorId: viewer.userId, body, visibility, sharedPostId: original.id });
      if (visibility === Visibility.PUBLIC) await this.countShare(em, publish, original.id, +1);
      publish('social.post.created', {
        postId: share.id,
        actorId: viewer.userId,
        visibility,
        sharedPostId: original.id,
        excerpt: excerpt(original.body),
        notify:
          authorSeesShare && shouldNotify(viewer.userId, original.authorId, relation)
            ? [{ userId: original.authorId, reason: 'post_shared' }]
            : [],
      });
      return share;
    });
    loaders.forget(original.id);
    return share;
  }

  async update(viewer: Viewer, id: string, input: PostInput, loaders: SocialLoaders): Promise<Post> {
    const post = await this.visible(id, loaders);
    if (post.authorId !== viewer.userId) throw forbidden('Only the author can edit a post.');
    const changes: Partial<Post> = { editedAt: new Date() };
    if (input.body != null) changes.body = text(input.body, 'body', post.sharedPostId ? SHARE_NOTE : POST);
    if (input.visibility != null) changes.visibility = input.visibility;
    await this.outbox.transaction(async (em, publish) => {
      await em.nativeUpdate(Post, { id, deletedAt: null }, changes);
      // A share that becomes public (or stops being) counts on the original from now (or no longer).
      if (post.sharedPostId && changes.visibility && changes.visibility !== post.visibility) {
        await this.countShare(em, publish, post.sharedPostId, changes.visibility === Visibility.PUBLIC ? +1 : -1);
      }
    });
    loaders.forget(id, ...(post.sharedPostId ? [post.sharedPostId] : []));
    return this.visible(id, loaders);
  }

  /** Authors remove their own posts; moderators and admins remove any, which settles its reports. */
  async remove(viewer: Viewer, id: string, loaders: SocialLoaders): Promise<boolean> {
    const post = await this.visible(id, loaders);
    if (post.authorId !== viewer.userId && !moderates(viewer))
      throw forbidden('Only the author or a moderator can remove a post.');
    await this.outbox.transaction(async (em, publish) => {
      const removed = await em.nativeUpdate(
        Post,
        { id, deletedAt: null },
        { deletedAt: new Date(), deletedBy: viewer.userId },
      );
      if (!removed) return;
      if (post.sharedPostId && post.visibility === Visibility.PUBLIC)
        await this.countShare(em, publish, post.sharedPostId, -1);
      await em.nativeUpdate(
        Report,
        { postId: id, resolvedAt: null },
        { resolvedAt: new Date(), resolution: 'REMOVED' },
      );
      publish('social.post.deleted', { postId: id, authorId: post.authorId, removedBy: viewer.userId });
    });
    loaders.forget(id);
    return true;
  }

  /** Liking twice is one like; the author hears of the first. */
  async like(viewer: Viewer, postId: string, loaders: SocialLoaders): Promise<Post> {
    const post = await this.visible(postId, loaders);
    const relation = await loaders.relation.load(post.authorId);
    await this.outbox.transaction(async (em, publish) => {
      await refuseAcrossBlocks(em, loaders.standing, [post.authorId], () => notFound('Post'));
      const added = await rows(
        em,
        `insert into ${table(em, 'post_likes')} (post_id, user_id, created_at) values (?, ?, now()) on ` +
          `conflict do nothing returning post_id`,
        [postId, viewer.userId],
      );
      if (!added.length) return;
      await em.execute(`update ${table(em, 'posts')} set like_count = like_count + 1 where id = ?`, [postId]);
      publish('social.post.liked', {
        postId,
        actorId: viewer.userId,
        excerpt: excerpt(post.body),
        notify: shouldNotify(viewer.userId, post.authorId, relation)
          ? [{ userId: post.authorId, reason: 'post_liked' }]
          : [],
      });
      this.activity(publish, PostActivityKind.LIKED, postId);
    });
    loaders.forget(postId);
    return this.visible(postId, loaders);
  }

  async unlike(viewer: Viewer, postId: string, loaders: SocialLoaders): Promise<Post> {
    await this.visible(postId, loaders);
    await this.outbox.transaction(async (em, publish) => {
      const removed = await rows(
        em,
        `delete from ${table(em, 'post_likes')} where post_id = ? and user_id = ? returning post_id`,
        [postId, viewer.userId],
      );
      if (!removed.length) return;
      await em.execute(`update ${table(em, 'posts')} set like_count = greatest(like_count - 1, 0) where id = ?`, [
        postId,
      ]);
      this.activity(publish, PostActivityKind.UNLIKED, postId);
    });
    loaders.forget(postId);
    return this.visible(postId, loaders);
  }

  /** A user's posts that the viewer may see, newest first. */
  async byAuthor(
    viewer: Viewer | null,
    authorId: string,
    first: number | null | undefined,
    after: string | null | undefined,
    loaders: SocialLoaders,
  ) {
    if (!isUuid(authorId)) throw badInput('That is not a user id.', 'authorId');
    const size = pageSize(first);
    const member = await loaders.member.load(authorId);
    if (!member) throw notFound('User');
    const relation = await loaders.relation.load(authorId);
    const own = viewer?.userId === authorId || loaders.standing.moderates;
    if (!own && (relation.blocks || relation.blockedBy)) return toConnection([], size, { after });
    const below = decodeCursor(after)?.id;
    const posts = await this.orm.em.find(
      Post,
      {
        authorId,
        deletedAt: null,
        ...(own || relation.follows ? {} : { visibility: Visibility.PUBLIC }),
        ...(below ? { id: { $lt: below } } : {}),
      },
      { orderBy: { id: 'desc' }, limit: size + 1 },
    );
    return toConnection(posts, size, { after });
  }

  /** Reporting twice updates the reason; one's own posts cannot be reported. */
  async report(viewer: Viewer, postId: string, reasonInput: string, loaders: SocialLoaders): Promise<boolean> {
    const post = await this.visible(postId, loaders);
    if (post.authorId === viewer.userId) throw badInput('You cannot report your own post.', 'postId');
    const reason = text(reasonInput, 'reason', REPORT_REASON);
    await this.orm.em.execute(
      `insert into ${table(this.orm.em as EntityManager, 'reports')} (id, post_id, reporter_id, reason, created_at)
         values (?, ?, ?, ?, ?)
       on conflict (post_id, reporter_id) do update set reason = excluded.reason, created_at = excluded.created_at,
         resolved_at = null, resolution = null`,
      // Millisecond times, as JS dates hold them: the queue's cursors compare them exactly.
      [new Report().id, postId, viewer.userId, reason, new Date()],
    );
    return true;
  }

  /** Posts with open reports, most recently reported first: the moderators' queue. */
  async reported(viewer: Viewer, first: number | null | undefined, after: string | null | undefined) {
    requireRole(viewer, ['MODERATOR', 'ADMIN'], 'Only moderators and admins review reports.');
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const em = this.orm.em as EntityManager;
    const queue = await rows<{ post_id: string; report_count: string; last_reported_at: Date }>(
      em,
      `select post_id, count(*) as report_count, max(created_at) as last_reported_at
       from ${table(em, 'reports')} where resolved_at is null
       group by post_id
       ${cursor ? 'having (max(created_at), post_id) < (?, ?)' : ''}
       order by last_reported_at desc, post_id desc limit ?`,
      [...(cursor ? [cursor.createdAt, cursor.id] : []), size + 1],
    );
    const postIds = queue.map((q) => q.post_id);
    const [posts, reports] = await Promise.all([
      em.find(Post, { id: { $in: postIds } }),
      em.find(Report, { postId: { $in: postIds }, resolvedAt: null }, { orderBy: { createdAt: 'desc' } }),
    ]);
    const nodes = queue.slice(0, size).map((q) => ({
      post: posts.find((p) => p.id === q.post_id)!,
      reportCount: Number(q.report_count),
      reports: reports.filter((r) => r.postId === q.post_id),
      lastReportedAt: new Date(q.last_reported_at),
    }));
    const edges = nodes.map((node) => ({
      cursor: encodeCursor({ createdAt: node.lastReportedAt, id: node.post.id }),
      node,
    }));
    return { edges, pageInfo: pageInfoOf(edges, queue.length > size, after) };
  }

  /** A moderator decides a reported post may stay. Returns how many reports were closed. */
  async dismissReports(viewer: Viewer, postId: string): Promise<number> {
    requireRole(viewer, ['MODERATOR', 'ADMIN'], 'Only moderators and admins review reports.');
    if (!isUuid(postId)) throw notFound('Post');
    return this.orm.em.nativeUpdate(
      Report,
      { postId, resolvedAt: null },
      { resolvedAt: new Date(), resolution: 'DISMISSED' },
    );
  }

  private async countShare(em: EntityManager, publish: Publish<SocialEvents>, originalId: string, delta: 1 | -1) {
    await em.execute(`update ${table(em, 'posts')} set share_count = greatest(share_count + ?, 0) where id = ?`, [
      delta,
      originalId,
    ]);
    this.activity(publish, PostActivityKind.SHARED, originalId);
  }

  /** Tells `postActivity` subscribers that the post changed; they read its current state. */
  activity(publish: Publish<SocialEvents>, kind: PostActivityKind, postId: string, commentId?: string) {
    publish('social.post.activity', { id: liveEventId(kind, postId, commentId), postId });
  }
}
