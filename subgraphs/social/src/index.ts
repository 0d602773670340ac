import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { socialConfig, type SocialConfig } from './config.js';
import { Comment } from './comment.entity.js';
import { CommentResolver } from './comment.resolver.js';
import { CommentService } from './comment.service.js';
import type { SocialServices } from './context.js';
import type { SocialEvents } from '@peerlink/contracts/social';
import { socialEventHandlers } from './feed-events.handler.js';
import { learningEventHandlers } from './learning-events.handler.js';
import { liveSessionsEventHandlers } from './live-sessions-events.handler.js';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import { FeedResolver } from './feed.resolver.js';
import { FeedService } from './feed.service.js';
import { SocialLoaders } from './loaders.js';
import { Member } from './member.entity.js';
import { migrations } from './migrations/index.js';
import { Post } from './post.entity.js';
import { PostResolver } from './post.resolver.js';
import { PostService } from './post.service.js';
import { Block, Follow } from './relationship.entity.js';
import { RelationshipService } from './relationship.service.js';
import { Report } from './report.entity.js';
import { Timelines } from './timeline.js';
import { UserResolver } from './user.resolver.js';
import { userRef } from './user.type.js';

/** The social network: posts, comments, likes, shares, follows and blocks, and the live home feed. */
export const social: SubgraphDefinition<SocialServices, SocialLoaders, SocialConfig> = {
  name: 'social',
  config: socialConfig,
  entities: [Member, Follow, Block, Post, Comment, Report],
  migrations,
  resolvers: [PostResolver, CommentResolver, UserResolver, FeedResolver],
  references: {
    User: (reference: { id: string }) => userRef(reference.id),
    Post: (reference: { id: string }, ctx: { loaders: SocialLoaders }) => ctx.loaders.visiblePost(reference.id),
    Comment: (reference: { id: string }, ctx: { loaders: SocialLoaders }) => ctx.loaders.visibleComment(reference.id),
  },

  async start({ bus, cache, logger }, orm, settings) {
    const outbox = new Outbox<SocialEvents>(orm, bus, logger);
    const timelines = new Timelines(cache, settings.FEED_TIMELINE_LENGTH);
    const feed = new FeedService(orm, timelines, settings.FEED_FANOUT_MAX_FOLLOWERS, logger);
    const posts = new PostService(orm, outbox);
    const comments = new CommentService(orm, outbox, posts);
    const relationships = new RelationshipService(orm, outbox, timelines, logger);
    const stopConsuming = await consumeEvents<
      IdentityEvents & SocialEvents & LearningEvents & LiveSessionEvents,
      SocialEvents
    >({
      bus,
      outbox,
      consumer: 'social',
      handlers: { ...socialEventHandlers(feed), ...learningEventHandlers(feed), ...liveSessionsEventHandlers(feed) },
      logger,
    });
    return {
      services: { posts, comments, relationships, feed },
      createLoaders: (viewer, scope) => new SocialLoaders(orm.em as never, viewer, scope),
      async stop() {
        await stopConsuming();
        await outbox.close();
      },
    };
  },
};
