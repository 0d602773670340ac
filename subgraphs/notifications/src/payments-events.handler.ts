import type { PaymentsEvents } from '@peerlink/payments/events';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { NotificationsEvents } from './events.js';
import { formatMoney } from './messages.js';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';

/** What a seller reads when their share of a sale is sent. */
export function payoutMessage(payout: PaymentsEvents['payments.payout.paid']) {
  return {
    recipientId: payout.sellerId,
    title: `Payout sent: ${formatMoney(payout.amount, payout.currency)}`,
    body: `Your share of order ${payout.orderId} is on its way to your payout account (platform fee ${formatMoney(payout.fee, payout.currency)}).`,
  };
}

/** Sellers hear of each payout; everything else payments says reaches people through marketplace. */
export function paymentsEventHandlers(notifications: NotificationService): EventHandlers<PaymentsEvents, NotificationsEvents> {
  return {
    'payments.payout.paid': (payout, { em, publish, event }) =>
      notifications.notify(em, publish, { ...payoutMessage(payout), kind: NotificationKind.ORDER, orderId: payout.orderId, sourceEventId: event.id }),
  };
}
