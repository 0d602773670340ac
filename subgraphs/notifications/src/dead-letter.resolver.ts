import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { badInput } from '@peerlink/platform/errors';
import { isDeadLetterId } from '@peerlink/platform/events/event-bus';
import { pageSize } from '@peerlink/platform/graphql/pagination';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@peerlink/platform/graphql/page-size';
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { NotificationsContext } from './context.js';

/** An event a consumer gave up on after its last retry. */
@ObjectType()
export class DeadLetter {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The consuming service that failed.' })
  consumer!: string;

  @Field()
  eventName!: string;

  @Field(() => ID)
  eventId!: string;

  @Field({ description: 'The event payload as JSON, with credentials redacted.' })
  payload!: string;

  @Field()
  error!: string;

  @Field(() => Int)
  attempts!: number;

  @Field()
  failedAt!: Date;
}

/**
 * Payload fields that are credentials (a verification code, a reset token): admins see that they were there, not what.
 */
const SECRET_KEYS = /secret|token|password|code/i;

const requireAdmin = (viewer: Viewer | null) => {
  requireRole(viewer, 'ADMIN', 'Only admins can see dead letters.');
};

/** Operators' view of the event bus's dead letters (also `npm run dead-letters`). */
@Resolver()
export class DeadLetterResolver {
  @Query(() => [DeadLetter], {
    nullable: true,
    description:
      `Admins only. Oldest first, \`first\` at a time (default ${DEFAULT_PAGE_SIZE}, at most ` +
      `${MAX_PAGE_SIZE}); page on with \`after:\` the last id seen.`,
  })
  async deadLetters(
    @Ctx() ctx: NotificationsContext,
    @Arg('first', () => Int, { nullable: true }) first: number | null | undefined,
    @Arg('after', () => ID, { nullable: true }) after: string | null | undefined,
  ): Promise<DeadLetter[]> {
    requireAdmin(ctx.viewer);
    const limit = pageSize(first);
    // Unset, type-graphql passes undefined rather than null.
    const from = after ?? undefined;
    if (from !== undefined && !isDeadLetterId(from)) throw badInput('after is not a dead letter id.', 'after');
    return (await ctx.services.bus.deadLetters({ limit, after: from })).map((letter) => ({
      id: letter.id,
      consumer: letter.consumer,
      eventName: letter.event.name,
      eventId: letter.event.id,
      payload: JSON.stringify(letter.event.payload, (key, value) => (SECRET_KEYS.test(key) ? '[redacted]' : value)),
      error: letter.error,
      attempts: letter.attempts,
      failedAt: new Date(letter.failedAt),
    }));
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Admins only: delivers the event to its consumer again.' })
  replayDeadLetter(@Arg('id', () => ID) id: string, @Ctx() ctx: NotificationsContext) {
    requireAdmin(ctx.viewer);
    return ctx.services.bus.replayDeadLetter(id);
  }
}
