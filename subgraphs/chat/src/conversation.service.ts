import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, forbidden, notFound } from '@peerlink/platform/errors';
import {
  decodeCursor,
  encodeCursor,
  pageInfoOf,
  pageSize,
  withTotalCount,
} from '@peerlink/platform/graphql/pagination';
import { knowsEveryone } from '@peerlink/platform/accounts/people';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { isUuid } from '@peerlink/platform/ids';
import { line, text } from '@peerlink/platform/text';
import { Conversation, ConversationKind, Membership, MemberRole } from './conversation.entity.js';
import type { ChatEvents } from '@peerlink/contracts/chat';
import { ChatEventKind, tellMembers } from './live.js';
import type { ChatLoaders } from './loaders.js';
import { lockRow, rows, table } from '@peerlink/platform/db/sql';

export const MAX_GROUP_MEMBERS = 256;
export const MAX_TITLE_LENGTH = 100;

const TITLE = line('A group title', MAX_TITLE_LENGTH);
const checkTitle = (input: string): string => text(input, 'title', TITLE);

/**
 * Membership changes of one conversation take its row lock, and announce the member list read
 * after the change inside the same transaction: the last announcement is always the true one,
 * which drive relies on to let members (and only members) download attachments.
 */
async function lockConversation(em: EntityManager, conversationId: string) {
  await lockRow(em, 'conversations', conversationId);
}

async function memberIdsOf(em: EntityManager, conversationId: string): Promise<string[]> {
  return (
    await rows<{ user_id: string }>(
      em,
      `select user_id from ${table(em, 'members')} where conversation_id = ? order by joined_at`,
      [conversationId],
    )
  ).map((r) => r.user_id);
}

function announceMembers(
  publish: Publish<ChatEvents>,
  conversationId: string,
  memberIds: string[],
  changedUserId?: string,
) {
  tellMembers(publish, { kind: ChatEventKind.MEMBERS_CHANGED, conversationId, userId: changedUserId }, memberIds);
  publish('chat.members.changed', { conversationId, memberIds });
}

const manages = (membership: Membership | null) =>
  membership?.role === MemberRole.OWNER || membership?.role === MemberRole.ADMIN;

/** Conversations: opening them, and who is in them. Only members see a conversation at all. */
export class ConversationService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<ChatEvents>,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** A conversation the viewer is in, or NOT_FOUND: to anyone else it does not exist. */
  async visible(_viewer: Viewer, id: string, loaders: ChatLoaders): Promise<Conversation> {
    const [membership, conversation] = isUuid(id)
      ? await Promise.all([loaders.membership.load(id), loaders.conversation.load(id)])
      : [null, null];
    if (!membership || !conversation) throw notFound('Conversation');
    return conversation;
  }

  /** The same conversation for the same pair, every time, from either side. */
  async openDirect(viewer: Viewer, userIdInput: string): Promise<Conversation> {
    const userId = userIdInput.toLowerCase();
    if (!isUuid(userId) || !(await this.known([userId]))) throw notFound('User');
    if (userId === viewer.userId) throw badInput('Start a conversation with someone else.', 'userId');
    if (await this.blockedEitherWay(viewer.userId, userId)) throw forbidden('You cannot message this user.');
    const directKey = [viewer.userId, userId].sort().join(':');
    return this.outbox.transaction(async (em, publish) => {
      const conversation = new Conversation();
      const created = await rows(
        em,
        `insert into ${table(em, 'conversations')} (id, kind, direct_key, created_at, last_activity_at) values (?,
           'DIRECT', ?, ?, ?)
         on conflict (direct_key) do nothing returning id`,
        [conversation.id, directKey, conversation.createdAt, conversation.lastActivityAt],
      );
      if (created.length) {
        for (const member of [viewer.userId, userId])
          em.create(Membership, { conversationId: conversation.id, userId: member, role: MemberRole.MEMBER });
        tellMembers(publish, { kind: ChatEventKind.MEMBERS_CHANGED, conversationId: conversation.id }, [
          viewer.userId,
          userId,
        ]);
        publish('chat.members.changed', { conversationId: conversation.id, memberIds: [viewer.userId, userId] });
      }
      return em.findOneOrFail(Conversation, { directKey });
    });
  }

  async createGroup(viewer: Viewer, titleInput: string, memberIds: string[]): Promise<Conversation> {
    const title = checkTitle(titleInput);
    const others = [...new Set(memberIds.map((id) => id.toLowerCase()))].filter((id) => id !== viewer.userId);
    if (others.length + 1 > MAX_GROUP_MEMBERS)
      throw badInput(`A group has at most ${MAX_GROUP_MEMBERS} members.`, 'memberIds');
    if (others.some((id) => !isUuid(id)) || (others.length && !(await this.known(others)))) throw notFound('User');
    return this.outbox.transaction(async (em, publish) => {
      const group = em.create(Conversation, { kind: ConversationKind.GROUP, title });
      // Members refer to the group by a plain id column, so the group is written first.
      await em.flush();
      em.create(Membership, { conversationId: group.id, userId: viewer.userId, role: MemberRole.OWNER });
      for (const userId of others) em.create(Membership, { conversationId: group.id, userId, role: MemberRole.MEMBER });
      tellMembers(publish, { kind: ChatEventKind.MEMBERS_CHANGED, conversationId: group.id }, [
        viewer.userId,
        ...others,
      ]);
      publish('chat.members.changed', { conversationId: group.id, memberIds: [viewer.userId, ...others] });
      return group;
    });
  }

  /** Owners and admins add people to a group; people already in it are left as they are. */
  async addMembers(
    viewer: Viewer,
    conversationId: string,
    userIds: string[],
    loaders: ChatLoaders,
  ): Promise<Conversation> {
    const group = await this.group(viewer, conversationId, loaders);
    if (!manages(await loaders.membership.load(group.id)))
      throw forbidden('Only the group’s owner and admins add members.');
    const current = new Set((await loaders.members.load(group.id)).map((m) => m.userId));
    const joining = [...new Set(userIds.map((id) => id.toLowerCase()))].filter((id) => !current.has(id));
    if (joining.some((id) => !isUuid(id)) || (joining.length && !(await this.known(joining)))) throw notFound('User');
    if (current.size + joining.length > MAX_GROUP_MEMBERS)
      throw badInput(`A group has at most ${MAX_GROUP_MEMBERS} members.`, 'userIds');
    if (!joining.length) return group;
    await this.outbox.transaction(async (em, publish) => {
      await lockConversation(em, group.id);
      for (const userId of joining) {
        await em.execute(
          `insert into ${table(em, 'members')} (conversation_id, user_id, role, joined_at) values (?, ?, ` +
            `'MEMBER', ?) on conflict do nothing`,
          [group.id, userId, new Date()],
        );
      }
      announceMembers(publish, group.id, await memberIdsOf(em, group.id));
    });
    loaders.members.clear(group.id);
    return group;
  }

  /** Owners remove anyone but themselves; admins remove members. The removed lose access at once. */
  async removeMember(
    viewer: Viewer,
    conversationId: string,
    userIdInput: string,
    loaders: ChatLoaders,
  ): Promise<Conversation> {
    const userId = userIdInput.toLowerCase();
    const group = await this.group(viewer, conversationId, loaders);
    const mine = await loaders.membership.load(group.id);
    const members = await loaders.members.load(group.id);
    const target = members.find((m) => m.userId === userId);
    if (!target) throw notFound('Member');
    if (target.userId === viewer.userId) throw badInput('To leave a group, use leaveConversation.', 'userId');
    const allowed =
      mine?.role === MemberRole.OWNER || (mine?.role === MemberRole.ADMIN && target.role === MemberRole.MEMBER);
    if (!allowed) throw forbidden('Owners remove anyone; admins remove members.');
    await this.outbox.transaction(async (em, publish) => {
      await lockConversation(em, group.id);
      await em.nativeDelete(Membership, { conversationId: group.id, userId });
      announceMembers(publish, group.id, await memberIdsOf(em, group.id), userId);
    });
    loaders.members.clear(group.id);
    return group;
  }

  /** Leaves a group; an owner who leaves hands the group to the longest-standing admin, or member. */
  async leave(viewer: Viewer, conversationId: string, loaders: ChatLoaders): Promise<boolean> {
    const group = await this.group(viewer, conversationId, loaders);
    const members = await loaders.members.load(group.id);
    const me = members.find((m) => m.userId === viewer.userId)!;
    const rest = members.filter((m) => m.userId !== viewer.userId);
    const heir = me.role === MemberRole.OWNER ? (rest.find((m) => m.role === MemberRole.ADMIN) ?? rest[0]) : undefined;
    await this.outbox.transaction(async (em, publish) => {
      await lockConversation(em, group.id);
      await em.nativeDelete(Membership, { conversationId: group.id, userId: viewer.userId });
      if (heir)
        await em.nativeUpdate(
          Membership,
          { conversationId: group.id, userId: heir.userId },
          { role: MemberRole.OWNER },
        );
      announceMembers(publish, group.id, await memberIdsOf(em, group.id), viewer.userId);
    });
    loaders.members.clear(group.id);
    loaders.membership.clear(group.id);
    return true;
  }

  async rename(
    viewer: Viewer,
    conversationId: string,
    titleInput: string,
    loaders: ChatLoaders,
  ): Promise<Conversation> {
    const group = await this.group(viewer, conversationId, loaders);
    if (!manages(await loaders.membership.load(group.id)))
      throw forbidden('Only the group’s owner and admins rename it.');
    const title = checkTitle(titleInput);
    const members = await loaders.members.load(group.id);
    await this.outbox.transaction(async (em, publish) => {
      await em.nativeUpdate(Conversation, { id: group.id }, { title });
      tellMembers(
        publish,
        { kind: ChatEventKind.MEMBERS_CHANGED, conversationId: group.id },
        members.map((m) => m.userId),
      );
    });
    loaders.conversation.clear(group.id);
    return (await loaders.conversation.load(group.id))!;
  }

  /** The owner makes members admins and back, or hands ownership on (becoming an admin). */
  async setRole(
    viewer: Viewer,
    conversationId: string,
    userIdInput: string,
    role: MemberRole,
    loaders: ChatLoaders,
  ): Promise<Conversation> {
    const userId = userIdInput.toLowerCase();
    const group = await this.group(viewer, conversationId, loaders);
    if ((await loaders.membership.load(group.id))?.role !== MemberRole.OWNER)
      throw forbidden('Only the group’s owner sets roles.');
    const members = await loaders.members.load(group.id);
    if (!members.some((m) => m.userId === userId)) throw notFound('Member');
    if (userId === viewer.userId) throw badInput('Hand ownership to someone else instead.', 'userId');
    await this.outbox.transaction(async (em, publish) => {
      if (role === MemberRole.OWNER)
        await em.nativeUpdate(
          Membership,
          { conversationId: group.id, userId: viewer.userId },
          { role: MemberRole.ADMIN },
        );
      await em.nativeUpdate(Membership, { conversationId: group.id, userId }, { role });
      tellMembers(
        publish,
        { kind: ChatEventKind.MEMBERS_CHANGED, conversationId: group.id, userId },
        members.map((m) => m.userId),
      );
    });
    loaders.members.clear(group.id);
    loaders.membership.clear(group.id);
    return group;
  }

  /** A group the viewer is in; direct conversations have no membership to manage. */
  private async group(viewer: Viewer, conversationId: string, loaders: ChatLoaders): Promise<Conversation> {
    const conversation = await this.visible(viewer, conversationId, loaders);
    if (conversation.kind !== ConversationKind.GROUP)
      throw badInput('Only groups have members to manage.', 'conversationId');
    return conversation;
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
    const found = (await loaders.conversation.loadMany(page.map((r) => r.id))).filter(
      (c): c is Conversation => c instanceof Conversation,
    );
    const edges = found
      .slice(0, size)
      .map((node) => ({ cursor: encodeCursor({ createdAt: node.lastActivityAt, id: node.id }), node }));
    return withTotalCount({ edges, pageInfo: pageInfoOf(edges, found.length > size, after) }, () =>
      this.em.count(Membership, { userId: viewer.userId }),
    );
  }

  /** Whether chat knows every one of these users. */
  private known(userIds: string[]): Promise<boolean> {
    return knowsEveryone(this.em, userIds);
  }

  async blockedEitherWay(a: string, b: string): Promise<boolean> {
    const found = await rows(
      this.em,
      `select 1 from ${table(this.em, 'blocks')} where active and ((blocker_id = ? and blocked_id = ?) or ` +
        `(blocker_id = ? and blocked_id = ?))`,
      [a, b, b, a],
    );
    return found.length > 0;
  }
}
