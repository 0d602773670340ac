import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import type { SocialEvents } from '@peerlink/contracts/social';
import type { SocialLoaders } from './loaders.js';
import { requireMember } from './post.service.js';
import { rows, table, uuidArray } from '@peerlink/platform/db/sql';
import { blockedWithAny, lockPairs } from './pair-lock.js';
import type { Timelines } from './timeline.js';
import { userRef, type User } from './user.type.js';
import { blockedEitherWay, shouldNotify } from './visibility.js';

/** Follows and blocks: who sees whose posts. */
export class RelationshipService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<SocialEvents>,
    private readonly timelines: Timelines,
    private readonly logger: Logger,
  ) {}

  /** Following twice is one follow; nobody follows themselves or across a block. */
  async follow(viewer: Viewer, userId: string, loaders: SocialLoaders): Promise<User> {
    await this.other(viewer, userId, loaders);
    const relation = await loaders.relation.load(userId);
    if (blockedEitherWay(relation)) throw forbidden('You cannot follow this user.');
    await requireMember(loaders, viewer.userId);
    await this.outbox.transaction(async (em, publish) => {
      // Checked again under the pair's lock: a block committed since cannot be slipped past.
      await lockPairs(em, viewer.userId, [userId]);
      if (await blockedWithAny(em, viewer.userId, [userId])) throw forbidden('You cannot follow this user.');
      const added = await rows(
        em,
        `insert into ${table(em, 'follows')} (follower_id, followee_id, created_at) values (?, ?, ?) on ` +
          `conflict do nothing returning follower_id`,
        [viewer.userId, userId, new Date()],
      );
      if (!added.length) return;
      await this.count(em, viewer.userId, userId, +1);
      publish('social.user.followed', {
        actorId: viewer.userId,
        followeeId: userId,
        postId: null,
        excerpt: null,
        notify: shouldNotify(viewer.userId, userId, relation) ? [{ userId, reason: 'followed' }] : [],
      });
    });
    await this.refreshTimelines(viewer.userId);
    loaders.forgetUsers(userId, viewer.userId);
    return userRef(userId);
  }

  async unfollow(viewer: Viewer, userId: string, loaders: SocialLoaders): Promise<User> {
    await this.other(viewer, userId, loaders);
    await this.outbox.transaction(async (em, publish) => {
      if (await this.endFollow(em, viewer.userId, userId))
        publish('social.user.unfollowed', { followerId: viewer.userId, followeeId: userId });
    });
    await this.refreshTimelines(viewer.userId);
    loaders.forgetUsers(userId, viewer.userId);
    return userRef(userId);
  }

  /** Blocking ends following in both directions; each stops seeing the other's posts and comments. */
  async block(viewer: Viewer, userId: string, loaders: SocialLoaders): Promise<User> {
    await this.other(viewer, userId, loaders);
    await requireMember(loaders, viewer.userId);
    await this.outbox.transaction(async (em, publish) => {
      await lockPairs(em, viewer.userId, [userId]);
      const added = await rows(
        em,
        `insert into ${table(em, 'blocks')} (blocker_id, blocked_id, created_at) values (?, ?, ?) on ` +
          `conflict do nothing returning blocker_id`,
        [viewer.userId, userId, new Date()],
      );
      if (!added.length) return;
      await this.endFollow(em, viewer.userId, userId);
      await this.endFollow(em, userId, viewer.userId);
      publish('social.user.blocked', { blockerId: viewer.userId, blockedId: userId });
    });
    await this.refreshTimelines(viewer.userId, userId);
    loaders.forgetUsers(userId, viewer.userId);
    return userRef(userId);
  }

  async unblock(viewer: Viewer, userId: string, loaders: SocialLoaders): Promise<User> {
    await this.other(viewer, userId, loaders);
    await this.outbox.transaction(async (em, publish) => {
      await lockPairs(em, viewer.userId, [userId]);
      const removed = await rows(
        em,
        `delete from ${table(em, 'blocks')} where blocker_id = ? and blocked_id = ? returning blocker_id`,
        [viewer.userId, userId],
      );
      if (removed.length) publish('social.user.unblocked', { blockerId: viewer.userId, blockedId: userId });
    });
    loaders.forgetUsers(userId, viewer.userId);
    return userRef(userId);
  }

  /** Who follows `userId` (`followers`) or whom they follow (`following`), most recent first. */
  async list(
    direction: 'followers' | 'following',
    userId: string,
    first: number | null | undefined,
    after: string | null | undefined,
  ) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const [mine, theirs] = direction === 'followers' ? ['followee_id', 'follower_id'] : ['follower_id', 'followee_id'];
    const em = this.orm.em as EntityManager;
    const found = await rows<{ id: string; created_at: Date }>(
      em,
      `select ${theirs} as id, created_at from ${table(em, 'follows')} where ${mine} = ?
       ${cursor ? `and (created_at, ${theirs}) < (?, ?)` : ''}
       order by created_at desc, ${theirs} desc limit ?`,
      [userId, ...(cursor ? [cursor.createdAt, cursor.id] : []), size + 1],
    );
    const edges = found.slice(0, size).map((row) => {
      const followedAt = new Date(row.created_at);
      return { cursor: encodeCursor({ createdAt: followedAt, id: row.id }), node: userRef(row.id), followedAt };
    });
    return { edges, pageInfo: pageInfoOf(edges, found.length > size, after) };
  }

  /** Another user social knows of: NOT_FOUND for unknown ids, BAD_USER_INPUT for oneself. */
  private async other(viewer: Viewer, userId: string, loaders: SocialLoaders) {
    if (!isUuid(userId) || !(await loaders.member.load(userId))) throw notFound('User');
    if (userId === viewer.userId) throw badInput('That is you.', 'userId');
  }

  private async endFollow(em: EntityManager, followerId: string, followeeId: string): Promise<boolean> {
    const removed = await rows(
      em,
      `delete from ${table(em, 'follows')} where follower_id = ? and followee_id = ? returning follower_id`,
      [followerId, followeeId],
    );
    if (removed.length) await this.count(em, followerId, followeeId, -1);
    return removed.length > 0;
  }

  /**
   * Both members' counts, their rows locked in id order first: follows of X→Y, Y→Z and Z→X at once
   * would otherwise each hold one row and wait for the next (a deadlock the pair locks cannot see).
   */
  private async count(em: EntityManager, followerId: string, followeeId: string, delta: 1 | -1) {
    const members = table(em, 'members');
    await em.execute(
      `select user_id from ${members} where user_id = any(?::uuid[]) order by user_id for no key update`,
      [uuidArray([followerId, followeeId])],
    );
    await em.execute(`update ${members} set following_count = greatest(following_count + ?, 0) where user_id = ?`, [
      delta,
      followerId,
    ]);
    await em.execute(`update ${members} set follower_count = greatest(follower_count + ?, 0) where user_id = ?`, [
      delta,
      followeeId,
    ]);
  }

  /**
   * Whose posts a timeline holds just changed: it is dropped and rebuilt from Postgres on the next
   * read. If the cache cannot be reached, readers still filter by the stored follows.
   */
  private async refreshTimelines(...userIds: string[]) {
    await this.timelines
      .drop(...userIds)
      .catch((err) => this.logger.warn({ err, userIds }, 'could not drop timelines'));
  }
}
