import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { formatMoney } from './messages.js';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';

type OrderChanged = MarketplaceEvents['marketplace.order.changed'];

/** Who hears of an order's change, and in what words. An empty list: nobody needs telling. */
export function orderMessages(change: OrderChanged): { recipientId: string; title: string; body: string }[] {
  // Advertising is sold by the platform: only the seller who bought it hears.
  if (change.purpose === 'ADVERTISING') return everyoneTold(change).filter((m) => m.recipientId === change.buyerId);
  return everyoneTold(change);
}

function everyoneTold(change: OrderChanged): { recipientId: string; title: string; body: string }[] {
  const total = formatMoney(change.amount, change.currency);
  const { buyerId, sellerId, summary, orderId } = change;
  switch (change.status) {
    case 'PAID':
      return [
        {
          recipientId: sellerId,
          title: `New order: ${summary}`,
          body: `Paid ${total}. Ship it from your sales (order ${orderId}).`,
        },
        {
          recipientId: buyerId,
          title: 'Payment received',
          body: `Your order of ${summary} is paid: ${total}. Order ${orderId}.`,
        },
      ];
    case 'PAYMENT_FAILED':
      return [
        {
          recipientId: buyerId,
          title: 'Your payment did not go through',
          body: `Nothing was charged for ${summary} (${total}). Check out again with another payment method.`,
        },
      ];
    case 'SHIPPED':
      return [
        {
          recipientId: buyerId,
          title: 'Your order has shipped',
          body: `${summary} is on its way. Tracking number: ${change.trackingNumber ?? 'none given'}.`,
        },
      ];
    case 'DELIVERED':
      return [
        {
          recipientId: buyerId,
          title: `Delivered: ${summary}`,
          body: 'Tell others what you think: you can now review it.',
        },
      ];
    case 'CANCELLED':
      return change.previousStatus === 'PENDING_PAYMENT'
        ? [
            {
              recipientId: buyerId,
              title: 'Order cancelled',
              body: `Your order of ${summary} was cancelled before payment; nothing was charged.`,
            },
          ]
        : [
            {
              recipientId: buyerId,
              title: 'Order cancelled',
              body: `Your order of ${summary} was cancelled; ${total} will be refunded.`,
            },
            { recipientId: sellerId, title: `Order cancelled: ${summary}`, body: `Do not ship order ${orderId}.` },
          ];
    default:
      return [];
  }
}

/** Each refund, partial or whole, as the buyer hears of it. */
export function refundMessage(refund: MarketplaceEvents['marketplace.order.refunded']) {
  const amount = formatMoney(refund.amount, refund.currency);
  const total = formatMoney(refund.refundedTotal, refund.currency);
  return {
    recipientId: refund.buyerId,
    title: 'Refund issued',
    body: refund.fully
      ? `${amount} for ${refund.summary} is on its way back to you: the whole order.`
      : `${amount} for ${refund.summary} is on its way back to you (${total} so far).`,
  };
}

/**
 * Buyers hear of payment, shipping, cancellation and refunds (by email too, by default); sellers of new paid orders.
 */
export function marketplaceEventHandlers(
  notifications: NotificationService,
): EventHandlers<MarketplaceEvents, NotificationsEvents> {
  return {
    'marketplace.order.changed': (change, { event, ...context }) =>
      notifications.notifyAll(
        context,
        orderMessages(change).map((message) => ({
          ...message,
          kind: NotificationKind.ORDER,
          orderId: change.orderId,
          sourceEventId: event.id,
        })),
      ),
    'marketplace.order.refunded': (refund, { event, ...context }) =>
      notifications.notify(context, {
        ...refundMessage(refund),
        kind: NotificationKind.ORDER,
        orderId: refund.orderId,
        sourceEventId: event.id,
      }),
  };
}
