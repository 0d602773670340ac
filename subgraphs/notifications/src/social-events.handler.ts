import type { EventHandlers, HandlerContext } from '@peerlink/platform/events/consumer';
import type { Interaction, NotifyReason, SocialEvents } from '@peerlink/contracts/social';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';
import { Recipient } from './recipient.entity.js';

const WORDING: Record<NotifyReason, { kind: NotificationKind; title: (actor: string) => string }> = {
  post_liked: { kind: NotificationKind.LIKE, title: (actor) => `${actor} liked your post` },
  comment_liked: { kind: NotificationKind.LIKE, title: (actor) => `${actor} liked your comment` },
  post_commented: { kind: NotificationKind.COMMENT, title: (actor) => `${actor} commented on your post` },
  comment_replied: { kind: NotificationKind.COMMENT, title: (actor) => `${actor} replied to your comment` },
  followed: { kind: NotificationKind.FOLLOW, title: (actor) => `${actor} started following you` },
  post_shared: { kind: NotificationKind.SHARE, title: (actor) => `${actor} shared your post` },
  course_published: { kind: NotificationKind.COURSE, title: (actor) => `${actor} published a new course` },
  stream_started: { kind: NotificationKind.LIVE, title: (actor) => `${actor} is live` },
};

/**
 * Likes, comments, replies, follows and shares. Social decides who is told (it alone knows blocks
 * and visibility); notifications decides how, by each recipient's preferences.
 */
export function socialEventHandlers(
  notifications: NotificationService,
): EventHandlers<SocialEvents, NotificationsEvents> {
  const tell = async (interaction: Interaction, { event, ...context }: HandlerContext<NotificationsEvents>) => {
    if (!interaction.notify.length) return;
    const actor = await context.em.findOne(Recipient, { userId: interaction.actorId });
    const actorName = actor?.displayName ?? 'Someone';
    for (const { userId, reason } of interaction.notify) {
      const { kind, title } = WORDING[reason];
      await notifications.notify(context, {
        recipientId: userId,
        kind,
        title: title(actorName),
        body: interaction.excerpt ? `“${interaction.excerpt}”` : 'See their profile and posts.',
        actorId: interaction.actorId,
        postId: interaction.postId,
        sourceEventId: event.id,
      });
    }
  };
  return {
    'social.post.created': tell,
    'social.post.liked': tell,
    'social.comment.added': tell,
    'social.comment.liked': tell,
    'social.user.followed': tell,
    'social.course.announced': tell,
    'social.stream.announced': tell,
  };
}
