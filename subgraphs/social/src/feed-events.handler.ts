import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { DomainEvent } from '@peerlink/platform/events/event-bus';
import type { Publish } from '@peerlink/platform/events/outbox';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { SocialEvents } from '@peerlink/contracts/social';
import type { FeedService } from './feed.service.js';
import { FeedEventKind, liveEventId } from './live.js';
import { saveIfNewer } from '@peerlink/platform/db/sql';

/** Recipients per live feed event: a large audience is told in several events of bounded size. */
const RECIPIENTS_PER_EVENT = 1000;

/**
 * Social's own consumer: members (and their names) from identity, and the fan-out that keeps home timelines current
 * after a post is committed. Handlers are idempotent (timeline writes are set operations), so a
 * retried event changes nothing twice.
 */
export function socialEventHandlers(feed: FeedService): EventHandlers<IdentityEvents & SocialEvents, SocialEvents> {
  return {
    'identity.user.registered': ({ userId, username, displayName }, { em, event }) =>
      saveMember(em, { userId, username, displayName }, event),
    'identity.user.updated': ({ userId, username, displayName }, { em, event }) =>
      saveMember(em, { userId, username, displayName }, event),

    // An account above the fan-out limit is merged into feeds at read time; its own timeline and
    // the live events still get the post.
    'social.post.created': async ({ postId, actorId }, { publish }) => {
      const fanOut = (await feed.followerCount(actorId)) <= feed.fanoutMaxFollowers;
      await feed.timelines.add([actorId], postId);
      tellFeeds(publish, FeedEventKind.POST_ADDED, postId, [actorId]);
      for await (const followers of feed.followersOf(actorId)) {
        if (fanOut) await feed.timelines.add(followers, postId);
        tellFeeds(publish, FeedEventKind.POST_ADDED, postId, followers);
      }
    },

    'social.post.deleted': async ({ postId, authorId }, { publish }) => {
      await feed.timelines.remove([authorId], [postId]);
      tellFeeds(publish, FeedEventKind.POST_REMOVED, postId, [authorId]);
      for await (const followers of feed.followersOf(authorId)) {
        await feed.timelines.remove(followers, [postId]);
        tellFeeds(publish, FeedEventKind.POST_REMOVED, postId, followers);
      }
    },
  };
}

/** A member's names from identity; the counts are social's own and never touched here. */
function saveMember(
  em: EntityManager,
  user: { userId: string; username: string; displayName: string },
  event: DomainEvent,
) {
  return saveIfNewer(em, 'members', {
    key: { user_id: user.userId },
    values: { username: user.username, display_name: user.displayName },
    insertOnly: { joined_at: event.occurredAt },
    eventId: event.id,
  });
}

function tellFeeds(publish: Publish<SocialEvents>, kind: FeedEventKind, postId: string, recipientIds: string[]) {
  for (let start = 0; start < recipientIds.length; start += RECIPIENTS_PER_EVENT) {
    publish('social.feed.updated', {
      id: liveEventId(kind, postId),
      postId,
      recipientIds: recipientIds.slice(start, start + RECIPIENTS_PER_EVENT),
    });
  }
}
