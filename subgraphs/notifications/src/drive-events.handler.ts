import type { DriveEvents } from '@peerlink/contracts/drive';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';
import { Recipient } from './recipient.entity.js';

/** Files shared with someone: they hear who shared what, and whether they may edit it. */
export function driveEventHandlers(
  notifications: NotificationService,
): EventHandlers<DriveEvents, NotificationsEvents> {
  return {
    'drive.file.shared': async ({ ownerId, userId, role, name }, { event, ...context }) => {
      const owner = (await context.em.findOne(Recipient, { userId: ownerId }))?.displayName ?? 'Someone';
      await notifications.notify(context, {
        recipientId: userId,
        kind: NotificationKind.FILE,
        title: `${owner} shared a file with you`,
        body: `“${name}” (${role === 'EDITOR' ? 'you can edit it' : 'you can view it'})`,
        actorId: ownerId,
        sourceEventId: event.id,
      });
    },
  };
}
