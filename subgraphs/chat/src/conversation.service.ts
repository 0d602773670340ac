import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, forbidden, notFound } from '@peerlink/platform/errors';
import { decodeCursor, encodeCursor, pageSize } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import { Conversation, ConversationKind, Membership, MemberRole } from './conversation.entity.js';
import type { ChatLoaders } from './loaders.js';
import { rows, table } from './sql.js';

export const MAX_GROUP_MEMBERS = 256;
export const MAX_TITLE_LENGTH = 100;

/** Conversations: opening them, and who is in them. Only members see a conversation at all. */
export class ConversationService {
  constructor(private readonly orm: Orm) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** A conversation the viewer is in, or NOT_FOUND: to anyone else it does not exist. */
  async visible(viewer: Viewer, id: string, loaders: ChatLoaders): Promise<Conversation> {
    const [membership, conversation] = isUuid(id) ? await Promise.all([loaders.membership.load(id), loaders.conversation.load(id)]) : [null, null];
    if (!membership || !conversation) throw notFound('Conversation');
    return conversation;
  }

  /** The same conversation for the same pair, every time, from either side. */
  async openDirect(viewer: Viewer, userId: string): Promise<Conversation> {
    if (!isUuid(userId) || !(await this.known([userId]))) throw notFound('User');
    if (userId === viewer.userId) throw badInput('Start a conversation with someone else.', 'userId');
    if (await this.blockedEitherWay(viewer.userId, userId)) throw forbidden('You cannot message this user.');
    const directKey = [viewer.userId, userId].sort().join(':');
    return this.em.transactional(async (em) => {
      const conversation = new Conversation();
      const created = await rows(
        em,
        `insert into ${table(em, 'conversations')} (id, kind, direct_key, created_at, last_activity_at) values (?, 'DIRECT', ?, ?, ?)
         on conflict (direct_key) do nothing returning id`,
        [conversation.id, directKey, conversation.createdAt, conversation.lastActivityAt],
      );
      if (created.length) {
        for (const member of [viewer.userId, userId]) em.create(Membership, { conversationId: conversation.id, userId: member, role: MemberRole.MEMBER });
      }
      return em.findOneOrFail(Conversation, { directKey });
    });
  }

  async createGroup(viewer: Viewer, titleInput: string, memberIds: string[]): Promise<Conversation> {
    const title = titleInput.trim();
    if (!title || title.length > MAX_TITLE_LENGTH) throw badInput(`The title is 1 to ${MAX_TITLE_LENGTH} characters.`, 'title');
    const others = [...new Set(memberIds)].filter((id) => id !== viewer.userId);
    if (others.length + 1 > MAX_GROUP_MEMBERS) throw badInput(`A group has at most ${MAX_GROUP_MEMBERS} members.`, 'memberIds');
    if (others.some((id) => !isUuid(id)) || (others.length && !(await this.known(others)))) throw notFound('User');
    return this.em.transactional(async (em) => {
      const group = em.create(Conversation, { kind: ConversationKind.GROUP, title });
      // Members refer to the group by a plain id column, so the group is written first.
      await em.flush();
      em.create(Membership, { conversationId: group.id, userId: viewer.userId, role: MemberRole.OWNER });
      for (const userId of others) em.create(Membership, { conversationId: group.id, userId, role: MemberRole.MEMBER });
      return group;
    });
  }

  /** The viewer's conversations, most recent activity first. */
  async list(viewer: Viewer, first: number | null | undefined, after: string | null | undefined, loaders: ChatLoaders) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const page = await rows<{ id: string }>(
      this.em,
      `select c.id from ${table(this.em, 'conversations')} c
       join ${table(this.em, 'members')} m on m.conversation_id = c.id and m.user_id = ?
       ${cursor ? 'where (c.last_activity_at, c.id) < (?, ?)' : ''}
       order by c.last_activity_at desc, c.id desc limit ?`,
      [viewer.userId, ...(cursor ? [cursor.createdAt, cursor.id] : []), size + 1],
    );
    const found = (await loaders.conversation.loadMany(page.map((r) => r.id))).filter((c): c is Conversation => c instanceof Conversation);
    const edges = found.slice(0, size).map((node) => ({ cursor: encodeCursor({ createdAt: node.lastActivityAt, id: node.id }), node }));
    return { edges, pageInfo: { hasNextPage: found.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  /** Whether chat knows every one of these users. */
  private async known(userIds: string[]): Promise<boolean> {
    const found = await rows<{ n: string }>(
      this.em,
      `select count(*) as n from ${table(this.em, 'people')} where user_id in (${userIds.map(() => '?').join(', ')})`,
      userIds,
    );
    return Number(found[0]?.n) === new Set(userIds).size;
  }

  async blockedEitherWay(a: string, b: string): Promise<boolean> {
    const found = await rows(
      this.em,
      `select 1 from ${table(this.em, 'blocks')} where active and ((blocker_id = ? and blocked_id = ?) or (blocker_id = ? and blocked_id = ?))`,
      [a, b, b, a],
    );
    return found.length > 0;
  }
}
