import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ChatContext } from './context.js';
import { Conversation, ConversationConnection, MemberRole, Membership } from './conversation.entity.js';
import { Message, MessageConnection } from './message.entity.js';

@Resolver(() => Conversation)
export class ConversationResolver {
  @Query(() => ConversationConnection, {
    nullable: true,
    description: 'Your conversations, most recent activity first.',
  })
  conversations(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.conversations.list(requireViewer(ctx.viewer), first, after, ctx.loaders);
  }

  @Query(() => Conversation, { nullable: true, description: 'A conversation you are in.' })
  conversation(@Arg('id', () => ID) id: string, @Ctx() ctx: ChatContext) {
    return ctx.services.conversations.visible(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Conversation, {
    nullable: true,
    description: 'Your one conversation with this user: the same every time, from either side.',
  })
  openDirectConversation(@Arg('userId', () => ID) userId: string, @Ctx() ctx: ChatContext) {
    return ctx.services.conversations.openDirect(requireViewer(ctx.viewer), userId);
  }

  @Mutation(() => Conversation, { nullable: true, description: 'A new group with you as its owner.' })
  createGroup(@Arg('title') title: string, @Arg('memberIds', () => [ID]) memberIds: string[], @Ctx() ctx: ChatContext) {
    return ctx.services.conversations.createGroup(requireViewer(ctx.viewer), title, memberIds);
  }

  @Mutation(() => Conversation, { nullable: true, description: 'Owners and admins: adds people to a group.' })
  addGroupMembers(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('userIds', () => [ID]) userIds: string[],
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.conversations.addMembers(requireViewer(ctx.viewer), conversationId, userIds, ctx.loaders);
  }

  @Mutation(() => Conversation, {
    nullable: true,
    description: 'Owners remove anyone; admins remove members. The removed lose access at once.',
  })
  removeGroupMember(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.conversations.removeMember(requireViewer(ctx.viewer), conversationId, userId, ctx.loaders);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Leaves a group; an owner hands it to the longest-standing admin, or member.',
  })
  leaveConversation(@Arg('conversationId', () => ID) conversationId: string, @Ctx() ctx: ChatContext) {
    return ctx.services.conversations.leave(requireViewer(ctx.viewer), conversationId, ctx.loaders);
  }

  @Mutation(() => Conversation, { nullable: true, description: 'Owners and admins.' })
  renameGroup(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('title') title: string,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.conversations.rename(requireViewer(ctx.viewer), conversationId, title, ctx.loaders);
  }

  @Mutation(() => Conversation, {
    nullable: true,
    description: 'The owner: makes a member an admin or a member again, or (OWNER) hands the group on.',
  })
  setMemberRole(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => MemberRole) role: MemberRole,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.conversations.setRole(requireViewer(ctx.viewer), conversationId, userId, role, ctx.loaders);
  }

  @Mutation(() => Conversation, {
    nullable: true,
    description: 'You have received the conversation up to this message.',
  })
  markMessagesDelivered(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('upToMessageId', () => ID) upToMessageId: string,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.messages.acknowledge(
      requireViewer(ctx.viewer),
      conversationId,
      upToMessageId,
      false,
      ctx.loaders,
    );
  }

  @Mutation(() => Conversation, { nullable: true, deprecationReason: 'Use markMessagesDelivered.' })
  markDelivered(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('upToMessageId', () => ID) upToMessageId: string,
    @Ctx() ctx: ChatContext,
  ) {
    return this.markMessagesDelivered(conversationId, upToMessageId, ctx);
  }

  @Mutation(() => Conversation, {
    nullable: true,
    description: 'You have read the conversation up to this message (and so received it).',
  })
  markMessagesRead(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('upToMessageId', () => ID) upToMessageId: string,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.messages.acknowledge(
      requireViewer(ctx.viewer),
      conversationId,
      upToMessageId,
      true,
      ctx.loaders,
    );
  }

  @Mutation(() => Conversation, { nullable: true, deprecationReason: 'Use markMessagesRead.' })
  markRead(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('upToMessageId', () => ID) upToMessageId: string,
    @Ctx() ctx: ChatContext,
  ) {
    return this.markMessagesRead(conversationId, upToMessageId, ctx);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Tells the other members you are typing; send again every few seconds while you do.',
  })
  setTyping(@Arg('conversationId', () => ID) conversationId: string, @Ctx() ctx: ChatContext) {
    return ctx.services.messages.typing(requireViewer(ctx.viewer), conversationId, ctx.loaders);
  }

  @FieldResolver(() => [Membership])
  members(@Root() conversation: Conversation, @Ctx() ctx: ChatContext) {
    return ctx.loaders.members.load(conversation.id);
  }

  @FieldResolver(() => MessageConnection, {
    description:
      'Messages as a chat shows them: the `last` ones (50 unless given) before `before`, oldest first. While ' +
      '`pageInfo.hasPreviousPage`, older ones come with `before: pageInfo.startCursor`.',
  })
  messages(
    @Root() conversation: Conversation,
    @Arg('last', () => Int, { nullable: true }) last: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.messages.history(requireViewer(ctx.viewer), conversation.id, last, before, ctx.loaders);
  }

  @FieldResolver(() => Message, { nullable: true })
  lastMessage(@Root() conversation: Conversation, @Ctx() ctx: ChatContext) {
    return conversation.lastMessageId ? ctx.loaders.message.load(conversation.lastMessageId) : null;
  }

  @FieldResolver(() => Int, { description: 'Messages from others you have not read.' })
  unreadCount(@Root() conversation: Conversation, @Ctx() ctx: ChatContext) {
    return ctx.loaders.unread.load(conversation.id);
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => Message, { nullable: true, description: 'How far they have read.' })
  lastReadMessage(@Root() membership: Membership, @Ctx() ctx: ChatContext) {
    return membership.lastReadMessageId ? ctx.loaders.message.load(membership.lastReadMessageId) : null;
  }
}
