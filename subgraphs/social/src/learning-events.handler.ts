import type { LearningEvents } from '@peerlink/contracts/learning';
import type { SocialEvents } from '@peerlink/contracts/social';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { FeedService } from './feed.service.js';

/** Followers told per event: one event stays small however large the following. */
export const FOLLOWERS_PER_EVENT = 1000;

/**
 * A course's first publication is news for its instructor's followers. Social decides who they are
 * (it alone keeps follows and blocks); notifications decides how each one hears, by their preferences.
 */
export function learningEventHandlers(feed: FeedService): EventHandlers<LearningEvents, SocialEvents> {
  return {
    'learning.course.published': {
      when: ({ firstTime }) => firstTime,
      handle: async ({ courseId, instructorId, title }, { publish }) => {
        for await (const followers of feed.followersOf(instructorId, FOLLOWERS_PER_EVENT))
          publish('social.course.announced', {
            actorId: instructorId,
            postId: null,
            excerpt: title,
            courseId,
            notify: followers.map((userId) => ({ userId, reason: 'course_published' as const })),
          });
      },
    },
  };
}
