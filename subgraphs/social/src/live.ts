import { notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Comment } from './comment.entity.js';
import type { SocialLoaders } from './loaders.js';
import { Post } from './post.entity.js';
import { canSeePost } from './visibility.js';

/**
 * What `feedUpdated` and `postActivity` deliver. The gateway resolves each event by calling a
 * lookup query (`feedEvent`, `postActivityEvent`) with the event's id under the subscriber's own
 * identity, so the same visibility rules apply as to any query. The ids carry what happened, so
 * nothing has to be stored per live event.
 */
export enum FeedEventKind {
  POST_ADDED = 'POST_ADDED',
  POST_REMOVED = 'POST_REMOVED',
}
registerEnumType(FeedEventKind, { name: 'FeedEventKind' });

export enum PostActivityKind {
  LIKED = 'LIKED',
  UNLIKED = 'UNLIKED',
  COMMENTED = 'COMMENTED',
  COMMENT_REMOVED = 'COMMENT_REMOVED',
  SHARED = 'SHARED',
}
registerEnumType(PostActivityKind, { name: 'PostActivityKind' });

@ObjectType({ description: 'A post entering or leaving your home feed.' })
export class FeedEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => FeedEventKind)
  kind!: FeedEventKind;

  @Field(() => ID)
  postId!: string;

  @Field(() => Post, { nullable: true, description: 'The post; null when it was removed.' })
  post!: Post | null;
}

@ObjectType({ description: 'A change to one post: its counts, and the new comment when there is one.' })
export class PostActivity {
  @Field(() => ID)
  id!: string;

  @Field(() => PostActivityKind)
  kind!: PostActivityKind;

  @Field(() => Post, { description: 'The post as it is now, with its current counts.' })
  post!: Post;

  @Field(() => Comment, { nullable: true, description: 'The new comment, for COMMENTED.' })
  comment!: Comment | null;
}

/** Live event ids: opaque to clients, `kind:postId[:commentId]` inside. */
export function liveEventId(kind: FeedEventKind | PostActivityKind, postId: string, commentId?: string): string {
  return Buffer.from([kind, postId, ...(commentId ? [commentId] : [])].join(':')).toString('base64url');
}

export function readLiveEventId(id: string): { kind: string; postId: string; commentId: string | null } | null {
  const [kind, postId, commentId, ...rest] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  if (!kind || !postId || rest.length) return null;
  return { kind, postId, commentId: commentId ?? null };
}

/** `feedEvent(id)`: for the author and their followers, while they may see the post. */
export async function lookUpFeedEvent(id: string, loaders: SocialLoaders): Promise<FeedEvent> {
  const parsed = readLiveEventId(id);
  const kind = parsed?.kind as FeedEventKind | undefined;
  const post =
    parsed && isUuid(parsed.postId) && kind && Object.values(FeedEventKind).includes(kind)
      ? await loaders.post.load(parsed.postId)
      : null;
  const viewerId = loaders.standing.userId;
  if (!post || !viewerId || !kind) throw notFound('Feed event');
  const relation = await loaders.relation.load(post.authorId);
  const inFeed = post.authorId === viewerId || relation.follows;
  // A removal is news to those who could see the post before it went.
  const asItWas = kind === FeedEventKind.POST_REMOVED ? { ...post, deletedAt: null } : post;
  if (!inFeed || !canSeePost(asItWas, { userId: viewerId, moderates: false }, relation)) throw notFound('Feed event');
  return { id, kind, postId: post.id, post: kind === FeedEventKind.POST_ADDED ? post : null };
}

/** `postActivityEvent(id)`: for whoever may see the post; the comment only if they may see it too. */
export async function lookUpPostActivity(id: string, loaders: SocialLoaders): Promise<PostActivity> {
  const parsed = readLiveEventId(id);
  const kind = parsed?.kind as PostActivityKind | undefined;
  const post =
    parsed && isUuid(parsed.postId) && kind && Object.values(PostActivityKind).includes(kind)
      ? await loaders.visiblePost(parsed.postId)
      : null;
  if (!post || !kind) throw notFound('Post activity');
  const comment =
    kind === PostActivityKind.COMMENTED && parsed?.commentId && isUuid(parsed.commentId)
      ? await loaders.visibleComment(parsed.commentId)
      : null;
  return { id, kind, post, comment };
}
