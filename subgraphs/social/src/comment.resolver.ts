import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Comment, CommentConnection } from './comment.entity.js';
import type { SocialContext } from './context.js';
import { Post } from './post.entity.js';
import { userRef, User } from './user.type.js';

@Resolver(() => Comment)
export class CommentResolver {
  @Query(() => Comment, { nullable: true, description: 'A comment you may see.' })
  comment(@Arg('id', () => ID) id: string, @Ctx() ctx: SocialContext) {
    return ctx.services.comments.visible(id, ctx.loaders);
  }

  @Mutation(() => Comment, {
    nullable: true,
    description: 'Comments on a post, or replies to one of its comments (`parentId`).',
  })
  createComment(
    @Arg('postId', () => ID) postId: string,
    @Arg('body') body: string,
    @Arg('parentId', () => ID, { nullable: true }) parentId: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.comments.add(requireViewer(ctx.viewer), postId, body, parentId, ctx.loaders);
  }

  @Mutation(() => Comment, { nullable: true, deprecationReason: 'Use createComment.' })
  addComment(
    @Arg('postId', () => ID) postId: string,
    @Arg('body') body: string,
    @Arg('parentId', () => ID, { nullable: true }) parentId: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return this.createComment(postId, body, parentId, ctx);
  }

  @Mutation(() => Comment, { nullable: true, description: 'The author only.' })
  updateComment(@Arg('id', () => ID) id: string, @Arg('body') body: string, @Ctx() ctx: SocialContext) {
    return ctx.services.comments.update(requireViewer(ctx.viewer), id, body, ctx.loaders);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'The author, the post’s author, or a moderator or admin. Replies go with it.',
  })
  deleteComment(@Arg('id', () => ID) id: string, @Ctx() ctx: SocialContext) {
    return ctx.services.comments.remove(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Comment, { nullable: true })
  likeComment(@Arg('commentId', () => ID) commentId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.comments.like(requireViewer(ctx.viewer), commentId, ctx.loaders);
  }

  @Mutation(() => Comment, { nullable: true })
  unlikeComment(@Arg('commentId', () => ID) commentId: string, @Ctx() ctx: SocialContext) {
    return ctx.services.comments.unlike(requireViewer(ctx.viewer), commentId, ctx.loaders);
  }

  @FieldResolver(() => Post)
  post(@Root() comment: Comment, @Ctx() ctx: SocialContext) {
    return ctx.loaders.post.load(comment.postId);
  }

  @FieldResolver(() => User, { nullable: true })
  author(@Root() comment: Comment) {
    return userRef(comment.authorId);
  }

  @FieldResolver(() => Comment, {
    nullable: true,
    description: 'For a reply: the comment it answers, while it is there.',
  })
  parent(@Root() comment: Comment, @Ctx() ctx: SocialContext) {
    return comment.parentId ? ctx.loaders.visibleComment(comment.parentId) : null;
  }

  @FieldResolver(() => CommentConnection, { description: 'Replies, oldest first.' })
  replies(
    @Root() comment: Comment,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.comments.list({ postId: comment.postId, parentId: comment.id }, first, after, ctx.loaders);
  }

  @FieldResolver(() => Boolean)
  viewerHasLiked(@Root() comment: Comment, @Ctx() ctx: SocialContext) {
    return ctx.loaders.commentLiked.load(comment.id);
  }
}
