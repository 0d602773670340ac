import { requireViewer } from '@peerlink/platform/auth/viewer';
import { liveDirective } from '@peerlink/platform/graphql/live';
import { Arg, Ctx, Directive, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SocialContext } from './context.js';
import { FeedEvent, lookUpFeedEvent, lookUpPostActivity, PostActivity } from './live.js';
import { PostConnection } from './post.entity.js';

@Resolver()
export class FeedResolver {
  @Query(() => PostConnection, {
    nullable: true,
    description: 'Your home feed: your posts and those of people you follow, newest first.',
  })
  feed(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: SocialContext,
  ) {
    return ctx.services.feed.page(requireViewer(ctx.viewer), first, after, ctx.loaders);
  }

  @Query(() => FeedEvent, {
    nullable: true,
    description: 'One `feedUpdated` event, by id; the gateway uses it to resolve subscriptions.',
  })
  feedEvent(@Arg('id', () => ID) id: string, @Ctx() ctx: SocialContext) {
    requireViewer(ctx.viewer);
    return lookUpFeedEvent(id, ctx.loaders);
  }

  @Query(() => PostActivity, {
    nullable: true,
    description: 'One `postActivity` event, by id; the gateway uses it to resolve subscriptions.',
  })
  postActivityEvent(@Arg('id', () => ID) id: string, @Ctx() ctx: SocialContext) {
    return lookUpPostActivity(id, ctx.loaders);
  }

  @Directive(liveDirective({ subject: 'social.feed.updated', lookup: 'feedEvent', audience: 'recipientIds' }))
  @Subscription(() => FeedEvent, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description: 'Posts entering or leaving your home feed, as it happens.',
  })
  feedUpdated(@Root() event: FeedEvent) {
    return event;
  }

  @Directive(liveDirective({ subject: 'social.post.activity', lookup: 'postActivityEvent' }))
  @Subscription(() => PostActivity, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description: 'Live counts and new comments of one post you may see.',
  })
  postActivity(@Arg('postId', () => ID) _postId: string, @Root() activity: PostActivity) {
    return activity;
  }
}
