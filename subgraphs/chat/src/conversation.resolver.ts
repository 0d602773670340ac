import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ChatContext } from './context.js';
import { Conversation, ConversationConnection, Membership } from './conversation.entity.js';
import { Message } from './message.entity.js';

@Resolver(() => Conversation)
export class ConversationResolver {
  @Query(() => ConversationConnection, { description: 'Your conversations, most recent activity first.' })
  conversations(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.conversations.list(requireViewer(ctx.viewer), first, after, ctx.loaders);
  }

  @Query(() => Conversation, { description: 'A conversation you are in.' })
  conversation(@Arg('id', () => ID) id: string, @Ctx() ctx: ChatContext) {
    return ctx.services.conversations.visible(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Conversation, { description: 'Your one conversation with this user: the same every time, from either side.' })
  openDirectConversation(@Arg('userId', () => ID) userId: string, @Ctx() ctx: ChatContext) {
    return ctx.services.conversations.openDirect(requireViewer(ctx.viewer), userId);
  }

  @Mutation(() => Conversation, { description: 'A new group with you as its owner.' })
  createGroup(@Arg('title') title: string, @Arg('memberIds', () => [ID]) memberIds: string[], @Ctx() ctx: ChatContext) {
    return ctx.services.conversations.createGroup(requireViewer(ctx.viewer), title, memberIds);
  }

  @FieldResolver(() => [Membership])
  members(@Root() conversation: Conversation, @Ctx() ctx: ChatContext) {
    return ctx.loaders.members.load(conversation.id);
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
