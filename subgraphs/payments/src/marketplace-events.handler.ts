import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { PaymentsEvents } from './events.js';
import type { MarketplaceEvents } from './marketplace-events.js';
import type { PaymentService } from './payment.service.js';

/** A placed order is charged at once; marketplace learns the result from payments' events. */
export function marketplaceEventHandlers(payments: PaymentService): EventHandlers<MarketplaceEvents, PaymentsEvents> {
  return {
    'marketplace.order.placed': (order, { em, publish, event }) => payments.charge(em, publish, order, new Date(event.occurredAt)),
    'marketplace.return.accepted': (accepted, { em, publish }) => payments.refundReturn(em, publish, accepted),
    'marketplace.order.payment_unwanted': ({ orderId }, { em, publish }) => payments.refundCancelledOrder(em, publish, orderId),
    'marketplace.order.changed': {
      when: ({ status, previousStatus }) => status === 'CANCELLED' && previousStatus === 'PAID',
      handle: ({ orderId }, { em, publish }) => payments.refundCancelledOrder(em, publish, orderId),
    },
  };
}
