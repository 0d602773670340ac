import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { CommentService } from './comment.service.js';
import type { FeedService } from './feed.service.js';
import type { SocialLoaders } from './loaders.js';
import type { PostService } from './post.service.js';
import type { RelationshipService } from './relationship.service.js';

export interface SocialServices {
  posts: PostService;
  comments: CommentService;
  relationships: RelationshipService;
  feed: FeedService;
}

export type SocialContext = SubgraphContext<SocialServices, SocialLoaders>;
