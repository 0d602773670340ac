import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { ActivityConnection } from './activity.entity.js';
import type { IdentityContext } from './context.js';

@Resolver()
export class ActivityResolver {
  @Query(() => ActivityConnection, {
    nullable: true,
    description: 'Sign-ins, password changes, verifications and questions to bots on your account, newest first.',
  })
  myActivity(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: IdentityContext,
  ) {
    const viewer = requireViewer(ctx.viewer);
    return ctx.services.activity.list(viewer, viewer.userId, first, after);
  }

  @Query(() => ActivityConnection, { nullable: true, description: "Admins only: any user's activity." })
  userActivity(
    @Arg('userId', () => ID) userId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: IdentityContext,
  ) {
    return ctx.services.activity.list(requireViewer(ctx.viewer), userId, first, after);
  }
}
