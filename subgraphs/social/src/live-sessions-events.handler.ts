import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { SocialEvents } from '@peerlink/contracts/social';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { FeedService } from './feed.service.js';
import { FOLLOWERS_PER_EVENT } from './learning-events.handler.js';

/** A live stream is news for its host's followers, as a new course is (learning-events.handler.ts). */
export function liveSessionsEventHandlers(feed: FeedService): EventHandlers<LiveSessionEvents, SocialEvents> {
  return {
    'live-sessions.stream.started': async ({ sessionId, hostId, title }, { publish }) => {
      for await (const followers of feed.followersOf(hostId, FOLLOWERS_PER_EVENT))
        publish('social.stream.announced', {
          actorId: hostId,
          postId: null,
          excerpt: title,
          sessionId,
          notify: followers.map((userId) => ({ userId, reason: 'stream_started' as const })),
        });
    },
  };
}
