import type { ChatEvents } from '@peerlink/contracts/chat';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { SocialEvents } from '@peerlink/contracts/social';
import { saveIfNewer, uuidArray } from '@peerlink/platform/db/sql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';

/**
 * Read models of what others own: who is in each conversation (chat), who follows and who blocked whom
 * (social). Calls and streams admit people by them, never by reading the owners' tables. Events may
 * arrive out of order: each row keeps what its latest event said.
 */
export function eventHandlers(): EventHandlers<ChatEvents & SocialEvents, LiveSessionEvents> {
  return {
    'chat.members.changed': ({ conversationId, memberIds }, { em, event }) =>
      saveIfNewer(em, 'conversation_members', {
        key: { conversation_id: conversationId },
        values: { member_ids: uuidArray(memberIds) },
        eventId: event.id,
      }),
    'social.user.followed': ({ actorId, followeeId }, { em, event }) =>
      saveIfNewer(em, 'follows', {
        key: { follower_id: actorId, followee_id: followeeId },
        values: { active: true },
        eventId: event.id,
      }),
    'social.user.unfollowed': ({ followerId, followeeId }, { em, event }) =>
      saveIfNewer(em, 'follows', {
        key: { follower_id: followerId, followee_id: followeeId },
        values: { active: false },
        eventId: event.id,
      }),
    'social.user.blocked': ({ blockerId, blockedId }, { em, event }) =>
      saveIfNewer(em, 'blocks', {
        key: { blocker_id: blockerId, blocked_id: blockedId },
        values: { active: true },
        eventId: event.id,
      }),
    'social.user.unblocked': ({ blockerId, blockedId }, { em, event }) =>
      saveIfNewer(em, 'blocks', {
        key: { blocker_id: blockerId, blocked_id: blockedId },
        values: { active: false },
        eventId: event.id,
      }),
  };
}
