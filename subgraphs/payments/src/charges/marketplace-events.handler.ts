import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { PaymentService } from './payment.service.js';

/**
 * A placed order is charged at once; marketplace learns the result from payments' events. Charges
 * and refunds are claimed in the event's transaction and made after it commits (`afterCommit`).
 */
export function marketplaceEventHandlers(payments: PaymentService): EventHandlers<MarketplaceEvents, PaymentsEvents> {
  return {
    'marketplace.order.placed': (order, { em, publish, event, afterCommit }) =>
      payments.charge(em, publish, order, new Date(event.occurredAt), afterCommit),
    'marketplace.return.accepted': (accepted, { em, publish, afterCommit }) =>
      payments.refundReturn(em, publish, accepted, afterCommit),
    'marketplace.order.payment_unwanted': ({ orderId }, { em, afterCommit }) =>
      payments.refundCancelledOrder(em, orderId, afterCommit),
    'marketplace.order.changed': {
      when: ({ status, previousStatus }) => status === 'CANCELLED' && previousStatus === 'PAID',
      handle: ({ orderId }, { em, afterCommit }) => payments.refundCancelledOrder(em, orderId, afterCommit),
    },
  };
}
