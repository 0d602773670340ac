import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { PaymentsEvents } from '@peerlink/payments/events';
import type { NotificationsEvents } from './events.js';
import { formatMoney } from './messages.js';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';

/** A plan renewal that failed, as its subscriber hears of it. */
export function renewalFailedMessage(failure: PaymentsEvents['payments.plan_subscription.renewal_failed']) {
  return {
    recipientId: failure.userId,
    title: `Your ${failure.planName} renewal did not go through`,
    body: `We could not charge ${formatMoney(failure.amount, failure.currency)}: ${failure.reason} Save another card to keep ${failure.planName}.`,
  };
}

/** Subscribers hear of failed renewals (by email too, by default). Payments themselves reach buyers through marketplace's orders. */
export function paymentsEventHandlers(notifications: NotificationService): EventHandlers<PaymentsEvents, NotificationsEvents> {
  return {
    'payments.plan_subscription.renewal_failed': (failure, { em, publish, event }) =>
      notifications.notify(em, publish, { ...renewalFailedMessage(failure), kind: NotificationKind.BILLING, sourceEventId: event.id }),
  };
}
