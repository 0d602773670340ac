import { requireViewer } from '@peerlink/platform/auth/viewer';
import { liveDirective } from '@peerlink/platform/graphql/live';
import { Arg, Ctx, Directive, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { ChatContext } from './context.js';
import { Conversation } from './conversation.entity.js';
import { ChatEvent, lookUpChatEvent } from './live.js';
import { Message, MessageConnection } from './message.entity.js';
import { User, userRef } from './user.type.js';

@InputType()
export class SendMessageInput {
  @Field(() => ID)
  conversationId!: string;

  @Field({ description: '1 to 4000 characters.' })
  body!: string;

  @Field(() => String, { nullable: true, description: 'Your own id for this send: sending again with it returns the first message.' })
  clientMessageId?: string | null;
}

@Resolver(() => Message)
export class MessageResolver {
  @Query(() => MessageConnection, { description: 'Newest first; page backwards with `before` (a previous endCursor).' })
  messages(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.messages.list(requireViewer(ctx.viewer), conversationId, first, before, ctx.loaders);
  }

  @Mutation(() => Message)
  sendMessage(@Arg('input') input: SendMessageInput, @Ctx() ctx: ChatContext) {
    return ctx.services.messages.send(requireViewer(ctx.viewer), input, ctx.loaders);
  }

  @Query(() => ChatEvent, { description: 'One `chatEvent` event, by id; the gateway uses it to resolve subscriptions.' })
  chatEventById(@Arg('id', () => ID) id: string, @Ctx() ctx: ChatContext) {
    requireViewer(ctx.viewer);
    return lookUpChatEvent(id, ctx.loaders);
  }

  @Directive(liveDirective({ subject: 'chat.event', lookup: 'chatEventById', audience: 'recipientIds' }))
  @Subscription(() => ChatEvent, {
    topics: 'served-by-the-gateway',
    description: 'What happens in your conversations, or in one (`conversationId`), as it happens.',
  })
  chatEvent(@Arg('conversationId', () => ID, { nullable: true }) _conversationId: string | null, @Root() event: ChatEvent) {
    return event;
  }

  @FieldResolver(() => Conversation)
  async conversation(@Root() message: Message, @Ctx() ctx: ChatContext) {
    return ctx.loaders.conversation.load(message.conversationId);
  }

  @FieldResolver(() => User)
  sender(@Root() message: Message) {
    return userRef(message.senderId);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Null once deleted.' })
  body(@Root() message: Message) {
    return message.deletedAt ? null : message.body;
  }

  @FieldResolver(() => Boolean)
  deleted(@Root() message: Message) {
    return !!message.deletedAt;
  }
}
