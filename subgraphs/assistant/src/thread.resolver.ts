import { requireViewer } from '@peerlink/platform/auth/viewer';
import { CURRENT_ARGUMENT, CURRENT_ARGUMENT_DESCRIPTION, liveDirective } from '@peerlink/platform/graphql/live';
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
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { Bot } from './bot.entity.js';
import type { AssistantContext } from './context.js';
import { AssistantReplyEvent } from './live.js';
import { AssistantMessageConnection, AssistantThread, AssistantThreadConnection } from './thread.entity.js';

@InputType()
export class AskAssistantInput {
  @Field(() => ID, { nullable: true, description: 'A thread of yours to ask in; none starts a new one.' })
  threadId?: string | null;

  @Field(() => String, { nullable: true, description: 'For a new thread: which bot, by slug (default `general`).' })
  bot?: string | null;

  @Field()
  message!: string;

  @Field({ description: 'Your key for this question: sending it again returns the same thread, asked once.' })
  clientMessageId!: string;
}

@Resolver(() => AssistantThread)
export class AssistantThreadResolver {
  @Query(() => AssistantThreadConnection, {
    nullable: true,
    description: 'Your threads, the most recently active first.',
  })
  assistantThreads(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: AssistantContext,
  ) {
    return ctx.services.threads.list(requireViewer(ctx.viewer), first, after);
  }

  @Query(() => AssistantThread, { nullable: true, description: 'One of your threads.' })
  assistantThread(@Arg('id', () => ID) id: string, @Ctx() ctx: AssistantContext) {
    return ctx.services.threads.get(requireViewer(ctx.viewer), id);
  }

  @Mutation(() => AssistantThread, {
    nullable: true,
    description:
      'Stores your question at once and returns its thread; the reply streams through assistantReply(threadId). ' +
      'Subscribe with `current: true`: its first event holds the text so far; a gap in the DELTAs’ `index` ' +
      'after it (a subscription opened between two progress saves; COMPLETE’s `index` counts them all) is ' +
      'filled by reading the thread once the reply is COMPLETE.',
  })
  askAssistant(@Arg('input') input: AskAssistantInput, @Ctx() ctx: AssistantContext) {
    return ctx.services.threads.ask(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => AssistantThread, { nullable: true, description: 'Asks a FAILED reply’s question again.' })
  retryAssistantReply(@Arg('messageId', () => ID) messageId: string, @Ctx() ctx: AssistantContext) {
    return ctx.services.threads.retry(requireViewer(ctx.viewer), messageId);
  }

  @FieldResolver(() => Bot)
  bot(@Root() thread: AssistantThread, @Ctx() ctx: AssistantContext) {
    return ctx.services.bots.byId(thread.botId);
  }

  @FieldResolver(() => AssistantMessageConnection, { description: 'Newest first; `before` pages back.' })
  messages(
    @Root() thread: AssistantThread,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Ctx() ctx: AssistantContext,
  ) {
    return ctx.services.threads.messages(thread, first, before);
  }

  @Query(() => AssistantReplyEvent, {
    nullable: true,
    description: 'One `assistantReply` event, by id; the gateway uses it to resolve subscriptions.',
  })
  assistantReplyEvent(@Arg('id', () => ID) id: string, @Ctx() ctx: AssistantContext) {
    return ctx.services.threads.replyEvent(requireViewer(ctx.viewer), id);
  }

  @Query(() => AssistantReplyEvent, {
    nullable: true,
    description:
      'The thread’s latest reply as it is now, as a CURRENT event: what `assistantReply(current: true)` sends first.',
  })
  assistantReplyNow(@Arg('threadId', () => ID) threadId: string, @Ctx() ctx: AssistantContext) {
    return ctx.services.threads.replyNow(requireViewer(ctx.viewer), threadId);
  }

  // Deltas carry their answer (`snapshot`) and go to the owner only: no lookup could rebuild them.
  @Directive(
    liveDirective({
      subject: 'assistant.reply.event',
      lookup: 'assistantReplyEvent',
      audience: 'recipientIds',
      audienceMaySee: true,
      inline: 'snapshot',
      current: ['assistantReplyNow(threadId: $threadId)'],
    }),
  )
  @Subscription(() => AssistantReplyEvent, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description:
      'The replies in one of your threads as they are written: DELTA pieces in order (`index`), then COMPLETE ' +
      'or FAILED with the whole message. Deltas are never stored: only a selection of no more than `id`, ' +
      '`kind`, `threadId`, `delta`, `index` and `message { id status }` receives them.',
  })
  assistantReply(
    @Arg('threadId', () => ID) _threadId: string,
    @Arg(CURRENT_ARGUMENT, () => Boolean, {
      nullable: true,
      defaultValue: false,
      description: CURRENT_ARGUMENT_DESCRIPTION,
    })
    _current: boolean,
    @Root() event: AssistantReplyEvent,
  ) {
    return event;
  }
}
