import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';
import { Recipient } from './recipient.entity.js';

/** Calls: callees hear one is ringing them, and of one they missed; the caller is named. */
export function callEventHandlers(
  notifications: NotificationService,
): EventHandlers<LiveSessionEvents, NotificationsEvents> {
  return {
    'live-sessions.call.started': async ({ conversationId, callerId, calleeIds, kind }, { event, ...context }) => {
      const caller = (await context.em.findOne(Recipient, { userId: callerId }))?.displayName ?? 'Someone';
      await notifications.notifyAll(
        context,
        calleeIds.map((recipientId) => ({
          recipientId,
          kind: NotificationKind.CALL,
          title: `${caller} is calling you`,
          body:
            kind === 'GROUP_CALL' ? 'A group call: join it from the conversation.' : 'Answer from the conversation.',
          actorId: callerId,
          conversationId,
          sourceEventId: event.id,
        })),
      );
    },
    'live-sessions.call.ended': {
      when: ({ status }) => status === 'MISSED',
      handle: async ({ conversationId, callerId, calleeIds }, { event, ...context }) => {
        const caller = (await context.em.findOne(Recipient, { userId: callerId }))?.displayName ?? 'Someone';
        await notifications.notifyAll(
          context,
          calleeIds.map((recipientId) => ({
            recipientId,
            kind: NotificationKind.CALL,
            title: `Missed call from ${caller}`,
            body: 'Call them back from the conversation.',
            actorId: callerId,
            conversationId,
            sourceEventId: event.id,
          })),
        );
      },
    },
  };
}
