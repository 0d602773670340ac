/** The events notifications publishes, with their payloads. */
export type NotificationsEvents = {
  /** A notification landed in a user's in-app inbox; the gateway pushes it to `notificationAdded`. */
  'notifications.notification.created': { id: string; recipientId: string; kind: string };
};
