import { requireViewer } from '@peerlink/platform/auth/viewer';
import { liveDirective, VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';
import {
  Arg,
  Ctx,
  Directive,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { ChatContext } from './context.js';
import { AttachmentStatus, FileReference } from './attachment.entity.js';
import { Conversation } from './conversation.entity.js';
import { receiptsFor, statusOf } from './receipts.js';
import { ChatEvent, lookUpChatEvent } from './live.js';
import { Message, MessageConnection } from './message.entity.js';
import { UserReference as User, userRef } from '@peerlink/platform/graphql/user-reference';

export enum MessageStatus {
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  READ = 'READ',
}
registerEnumType(MessageStatus, { name: 'MessageStatus' });

@ObjectType()
export class MessageReceipt {
  @Field(() => User, { nullable: true })
  user!: User;

  @Field(() => Date, {
    nullable: true,
    description: 'When their device had it; when their receipt pointer passed it, if it passed several at once.',
  })
  deliveredAt!: Date | null;

  @Field(() => Date, { nullable: true })
  readAt!: Date | null;
}

@InputType()
export class SendMessageInput {
  @Field(() => ID)
  conversationId!: string;

  @Field({ description: '1 to 4000 characters.' })
  body!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Your own id for this send: sending again with it returns the first message.',
  })
  clientMessageId?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description:
      'Drive files to attach (at most 10). Each appears once drive has checked you may read it; members may ' +
      'then download it.',
  })
  attachmentIds?: string[] | null;
}

@Resolver(() => Message)
export class MessageResolver {
  @Query(() => MessageConnection, {
    nullable: true,
    description: 'Newest first; page backwards with `before` (a previous endCursor).',
    deprecationReason:
      'Use Conversation.messages: Relay’s last/before, oldest first, with hasPreviousPage and startCursor.',
  })
  messages(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Ctx() ctx: ChatContext,
  ) {
    return ctx.services.messages.list(requireViewer(ctx.viewer), conversationId, first, before, ctx.loaders);
  }

  @Mutation(() => Message, { nullable: true })
  sendMessage(@Arg('input') input: SendMessageInput, @Ctx() ctx: ChatContext) {
    return ctx.services.messages.send(requireViewer(ctx.viewer), input, ctx.loaders);
  }

  @Mutation(() => Message, { nullable: true, description: 'The sender only.' })
  editMessage(@Arg('id', () => ID) id: string, @Arg('body') body: string, @Ctx() ctx: ChatContext) {
    return ctx.services.messages.edit(requireViewer(ctx.viewer), id, body, ctx.loaders);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'The sender, or a group’s owner and admins.' })
  deleteMessage(@Arg('id', () => ID) id: string, @Ctx() ctx: ChatContext) {
    return ctx.services.messages.remove(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Query(() => ChatEvent, {
    nullable: true,
    description: 'One `chatEvent` event, by id; the gateway uses it to resolve subscriptions.',
  })
  chatEventById(@Arg('id', () => ID) id: string, @Ctx() ctx: ChatContext) {
    requireViewer(ctx.viewer);
    return lookUpChatEvent(id, ctx.loaders);
  }

  // Typing signals carry their answer (`snapshot`): a subscriber asking only for ids and kind needs no lookup.
  @Directive(
    liveDirective({
      subject: 'chat.event',
      lookup: 'chatEventById',
      audience: 'recipientIds',
      audienceMaySee: true,
      inline: 'snapshot',
    }),
  )
  @Subscription(() => ChatEvent, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description: 'What happens in your conversations, or in one (`conversationId`), as it happens.',
  })
  chatEvent(
    @Arg('conversationId', () => ID, { nullable: true }) _conversationId: string | null,
    @Root() event: ChatEvent,
  ) {
    return event;
  }

  // What every member sees alike is marked, so a live event for a group is resolved once.
  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => Conversation)
  async conversation(@Root() message: Message, @Ctx() ctx: ChatContext) {
    return ctx.loaders.conversation.load(message.conversationId);
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => User, { nullable: true })
  sender(@Root() message: Message) {
    return userRef(message.senderId);
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => String, { nullable: true, description: 'Null once deleted.' })
  body(@Root() message: Message) {
    return message.deletedAt ? null : message.body;
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => Boolean)
  deleted(@Root() message: Message) {
    return !!message.deletedAt;
  }

  @FieldResolver(() => [FileReference], {
    nullable: 'items',
    description:
      'Files attached and accepted by drive; none once the message is deleted. An entry is null when the file is gone.',
  })
  async attachments(@Root() message: Message, @Ctx() ctx: ChatContext): Promise<FileReference[]> {
    if (message.deletedAt) return [];
    return (await ctx.loaders.attachments.load(message.id))
      .filter((a) => a.status === AttachmentStatus.ACCEPTED)
      .map((a) => ({ id: a.fileId }));
  }

  @FieldResolver(() => [ID], {
    description:
      'For the sender: the files drive would not attach (not theirs to share, or gone). Empty for everyone else.',
  })
  async refusedAttachmentIds(@Root() message: Message, @Ctx() ctx: ChatContext): Promise<string[]> {
    if (message.senderId !== ctx.viewer?.userId || message.deletedAt) return [];
    return (await ctx.loaders.attachments.load(message.id))
      .filter((a) => a.status === AttachmentStatus.REFUSED)
      .map((a) => a.fileId);
  }

  @FieldResolver(() => [MessageReceipt], {
    description: 'Each other member: when the message reached them and when they read it.',
  })
  async receipts(@Root() message: Message, @Ctx() ctx: ChatContext): Promise<MessageReceipt[]> {
    const members = await ctx.loaders.members.load(message.conversationId);
    return receiptsFor(message, members).map((r) => ({
      user: userRef(r.userId),
      deliveredAt: r.deliveredAt,
      readAt: r.readAt,
    }));
  }

  @FieldResolver(() => MessageStatus, {
    nullable: true,
    description: 'For the sender: how far the message has got with everyone else. Null for others.',
  })
  async status(@Root() message: Message, @Ctx() ctx: ChatContext): Promise<MessageStatus | null> {
    if (message.senderId !== ctx.viewer?.userId) return null;
    return MessageStatus[statusOf(receiptsFor(message, await ctx.loaders.members.load(message.conversationId)))];
  }
}
