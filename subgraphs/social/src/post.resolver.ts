import { requireViewer } from '@peerlink/platform/auth/viewer';
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
} from 'type-graphql';
import { CommentConnection } from './comment.entity.js';
import type { SocialContext } from './context.js';
import { Post, PostConnection, Visibility } from './post.entity.js';
import { ReportedPostConnection } from './report.entity.js';
import { User } from './user.type.js';

@InputType()
export class CreatePostInput {
  @Field({ description: '1 to 5000 characters.' })
  body!: string;

  @Field(() => Visibility, { nullable: true, description: 'PUBLIC unless given.' })
  visibility?: Visibility | null;
}

@InputType()
export class UpdatePostInput {
  @Field(() => String, { nullable: true })
  body?: string | null;

  @Field(() => Visibility, { nullable: true })
  visibility?: Visibility | null;
}

@Resolver(() => Post)
export class PostResolver {
  @Query(() => Post, { nullable: true, description: 'A post you may see.' })
  post(@Arg('id', () => ID) id: string, @Ctx() ctx: SocialContext) {
    return ctx.services.posts.visible(id, ctx.loaders);
  }

  @Query(() => PostConnection, { nullable: true, description: 'A user’s posts that you may see, newest first.' })
  posts(
    @Arg('authorId', () => ID) authorId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.posts.byAuthor(ctx.viewer, authorId, first, after, ctx.loaders);
  }

  @Mutation(() => Post, { nullable: true })
  createPost(@Arg('input') input: CreatePostInput, @Ctx() ctx: SocialContext) {
    return ctx.services.posts.create(requireViewer(ctx.viewer), input, ctx.loaders);
  }

  @Mutation(() => Post, { nullable: true, description: 'The author only.' })
  updatePost(@Arg('id', () => ID) id: string, @Arg('input') input: UpdatePostInput, @Ctx() ctx: SocialContext) {
    return ctx.services.posts.update(requireViewer(ctx.viewer), id, input, ctx.loaders);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'The author, or a moderator or admin.' })
  deletePost(@Arg('id', () => ID) id: string, @Ctx() ctx: SocialContext) {
    return ctx.services.posts.remove(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Post, { nullable: true, description: 'Liking twice is one like.' })
  likePost(@Arg('postId', () => ID) postId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.posts.like(requireViewer(ctx.viewer), postId, ctx.loaders);
  }

  @Mutation(() => Post, { nullable: true })
  unlikePost(@Arg('postId', () => ID) postId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.posts.unlike(requireViewer(ctx.viewer), postId, ctx.loaders);
  }

  @Mutation(() => Post, {
    nullable: true,
    description: 'Shares a public post as a new post of yours; `body` may be empty. Returns the share.',
  })
  sharePost(
    @Arg('postId', () => ID) postId: string,
    @Arg('body', () => String, { nullable: true }) body: string | null,
    @Arg('visibility', () => Visibility, { nullable: true }) visibility: Visibility | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.posts.share(requireViewer(ctx.viewer), postId, body, visibility, ctx.loaders);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Asks moderators to review a post. Reporting again replaces your reason.',
  })
  reportPost(@Arg('postId', () => ID) postId: string, @Arg('reason') reason: string, @Ctx() ctx: SocialContext) {
    return ctx.services.posts.report(requireViewer(ctx.viewer), postId, reason, ctx.loaders);
  }

  @Query(() => ReportedPostConnection, {
    nullable: true,
    description: 'Moderators and admins: posts with open reports, most recently reported first.',
  })
  reportedPosts(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.posts.reported(requireViewer(ctx.viewer), first, after);
  }

  @Mutation(() => Int, {
    nullable: true,
    description: 'Moderators and admins: keeps a reported post and closes its reports; returns how many.',
  })
  dismissReports(@Arg('postId', () => ID) postId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.posts.dismissReports(requireViewer(ctx.viewer), postId);
  }

  /** The author's names come from social's own copy, so a feed page needs no call to identity. */
  @Directive('@provides(fields: "username displayName")')
  @FieldResolver(() => User, { nullable: true })
  async author(@Root() post: Post, @Ctx() ctx: SocialContext): Promise<User> {
    const member = await ctx.loaders.member.load(post.authorId);
    return { id: post.authorId, username: member?.username, displayName: member?.displayName };
  }

  @FieldResolver(() => Boolean)
  viewerHasLiked(@Root() post: Post, @Ctx() ctx: SocialContext) {
    return ctx.loaders.postLiked.load(post.id);
  }

  @FieldResolver(() => Post, { nullable: true, description: 'For a share: the post shared, while you may see it.' })
  sharedPost(@Root() post: Post, @Ctx() ctx: SocialContext) {
    return post.sharedPostId ? ctx.loaders.visiblePost(post.sharedPostId) : null;
  }

  @FieldResolver(() => CommentConnection, { description: 'Top-level comments, oldest first.' })
  comments(
    @Root() post: Post,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.comments.list({ postId: post.id, parentId: null }, first, after, ctx.loaders);
  }
}
