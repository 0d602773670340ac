import type { ChatEvents } from '@peerlink/contracts/chat';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';
import { Recipient } from './recipient.entity.js';

/** Chat messages that members missed: chat decides who missed what, once per burst; this says so. */
export function chatEventHandlers(notifications: NotificationService): EventHandlers<ChatEvents, NotificationsEvents> {
  return {
    'chat.messages.missed': async (
      { conversationId, title, lastSenderId, excerpt, recipients },
      { event, ...context },
    ) => {
      const sender = (await context.em.findOne(Recipient, { userId: lastSenderId }))?.displayName ?? 'Someone';
      await notifications.notifyAll(
        context,
        recipients.map(({ userId, count }) => {
          const what = count === 1 ? 'New message' : `${count} new messages`;
          return {
            recipientId: userId,
            kind: NotificationKind.MESSAGE,
            title: title ? `${what} in ${title}` : `${what} from ${sender}`,
            body: title ? `${sender}: ${excerpt}` : excerpt,
            actorId: lastSenderId,
            conversationId,
            sourceEventId: event.id,
          };
        }),
      );
    },
  };
}
