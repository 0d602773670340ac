import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { formatMoney } from './messages.js';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';

/** What a seller reads when their share of a sale is sent. */
export function payoutMessage(payout: PaymentsEvents['payments.payout.paid']) {
  return {
    recipientId: payout.sellerId,
    title: `Payout sent: ${formatMoney(payout.amount, payout.currency)}`,
    body:
      `Your share of order ${payout.orderId} is on its way to your payout account (platform fee ` +
      `${formatMoney(payout.fee, payout.currency)}).`,
  };
}

/** A plan renewal that failed, as its subscriber hears of it. */
export function renewalFailedMessage(failure: PaymentsEvents['payments.plan_subscription.renewal_failed']) {
  return {
    recipientId: failure.userId,
    title: `Your ${failure.planName} renewal did not go through`,
    body:
      `We could not charge ${formatMoney(failure.amount, failure.currency)}: ${failure.reason} Save another ` +
      `card to keep ${failure.planName}.`,
  };
}

/**
 * Sellers hear of each payout, subscribers of failed renewals (by email too, by default). Payments
 * themselves reach buyers through marketplace's orders.
 */
export function paymentsEventHandlers(
  notifications: NotificationService,
): EventHandlers<PaymentsEvents, NotificationsEvents> {
  return {
    'payments.payout.paid': (payout, { event, ...context }) =>
      notifications.notify(context, {
        ...payoutMessage(payout),
        kind: NotificationKind.ORDER,
        orderId: payout.orderId,
        sourceEventId: event.id,
      }),
    'payments.plan_subscription.renewal_failed': (failure, { event, ...context }) =>
      notifications.notify(context, {
        ...renewalFailedMessage(failure),
        kind: NotificationKind.BILLING,
        sourceEventId: event.id,
      }),
  };
}
