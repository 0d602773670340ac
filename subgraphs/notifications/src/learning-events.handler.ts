import type { LearningEvents } from '@peerlink/contracts/learning';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';

/**
 * Courses: students hear when they enroll and when they complete one; instructors when a lecture's
 * video could not be processed. (Followers hear of a new course through social, which knows them.)
 */
export function learningEventHandlers(
  notifications: NotificationService,
): EventHandlers<LearningEvents, NotificationsEvents> {
  return {
    'learning.enrollment.created': ({ userId, courseTitle }, { event, ...context }) =>
      notifications.notify(context, {
        recipientId: userId,
        kind: NotificationKind.COURSE,
        title: `You enrolled in “${courseTitle}”`,
        body: 'Start with the first lecture: your progress is saved as you go.',
        sourceEventId: event.id,
      }),
    'learning.course.completed': ({ userId, courseTitle }, { event, ...context }) =>
      notifications.notify(context, {
        recipientId: userId,
        kind: NotificationKind.COURSE,
        title: `You completed “${courseTitle}”`,
        body: 'Congratulations! Your certificate will be among your files in a moment.',
        sourceEventId: event.id,
      }),
    'learning.lecture_video.failed': ({ instructorId, lectureTitle, courseTitle, reason }, { event, ...context }) =>
      notifications.notify(context, {
        recipientId: instructorId,
        kind: NotificationKind.COURSE,
        title: `The video for “${lectureTitle}” could not be processed`,
        body: `In “${courseTitle}”: ${reason}`,
        sourceEventId: event.id,
      }),
  };
}
