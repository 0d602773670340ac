import { requireViewer } from '@peerlink/platform/auth/viewer';
import { withTotalCount } from '@peerlink/platform/graphql/pagination';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { SocialContext } from './context.js';
import { PostConnection } from './post.entity.js';
import { User, UserConnection } from './user.type.js';

/** The follow graph and posts on every user; identity resolves the rest of the profile. */
@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => PostConnection, { nullable: true, description: 'Their posts that you may see, newest first.' })
  posts(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.posts.byAuthor(ctx.viewer, user.id, first, after, ctx.loaders);
  }

  @FieldResolver(() => UserConnection, { nullable: true, description: 'Most recent first.' })
  followers(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.relationships
      .list('followers', user.id, first, after)
      .then((page) => withTotalCount(page, () => this.followerCount(user, ctx)));
  }

  @FieldResolver(() => UserConnection, { nullable: true, description: 'Most recent first.' })
  following(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.relationships
      .list('following', user.id, first, after)
      .then((page) => withTotalCount(page, () => this.followingCount(user, ctx)));
  }

  @FieldResolver(() => Int, { nullable: true })
  async followerCount(@Root() user: User, @Ctx() ctx: SocialContext) {
    return (await ctx.loaders.member.load(user.id))?.followerCount ?? 0;
  }

  @FieldResolver(() => Int, { nullable: true })
  async followingCount(@Root() user: User, @Ctx() ctx: SocialContext) {
    return (await ctx.loaders.member.load(user.id))?.followingCount ?? 0;
  }

  @FieldResolver(() => Boolean, { nullable: true, description: 'False when signed out.' })
  async viewerIsFollowing(@Root() user: User, @Ctx() ctx: SocialContext) {
    return (await ctx.loaders.relation.load(user.id)).follows;
  }

  @FieldResolver(() => Boolean, { nullable: true, description: 'Whether you blocked them. False when signed out.' })
  async viewerHasBlocked(@Root() user: User, @Ctx() ctx: SocialContext) {
    return (await ctx.loaders.relation.load(user.id)).blocks;
  }

  @Mutation(() => User, {
    nullable: true,
    description: 'Following twice is one follow. You cannot follow yourself or someone you blocked or who blocked you.',
  })
  followUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.relationships.follow(requireViewer(ctx.viewer), userId, ctx.loaders);
  }

  @Mutation(() => User, { nullable: true, deprecationReason: 'Use followUser.' })
  follow(@Arg('userId', () => ID) userId: string, @Ctx() ctx: SocialContext) {
    return this.followUser(userId, ctx);
  }

  @Mutation(() => User, { nullable: true })
  unfollowUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.relationships.unfollow(requireViewer(ctx.viewer), userId, ctx.loaders);
  }

  @Mutation(() => User, { nullable: true, deprecationReason: 'Use unfollowUser.' })
  unfollow(@Arg('userId', () => ID) userId: string, @Ctx() ctx: SocialContext) {
    return this.unfollowUser(userId, ctx);
  }

  @Mutation(() => User, {
    nullable: true,
    description: 'Ends following both ways; neither of you sees the other’s posts or comments.',
  })
  blockUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.relationships.block(requireViewer(ctx.viewer), userId, ctx.loaders);
  }

  @Mutation(() => User, { nullable: true, deprecationReason: 'Use blockUser.' })
  block(@Arg('userId', () => ID) userId: string, @Ctx() ctx: SocialContext) {
    return this.blockUser(userId, ctx);
  }

  @Mutation(() => User, { nullable: true })
  unblockUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.relationships.unblock(requireViewer(ctx.viewer), userId, ctx.loaders);
  }

  @Mutation(() => User, { nullable: true, deprecationReason: 'Use unblockUser.' })
  unblock(@Arg('userId', () => ID) userId: string, @Ctx() ctx: SocialContext) {
    return this.unblockUser(userId, ctx);
  }
}
