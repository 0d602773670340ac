import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { OrderStatus } from './order-states.js';
import type { OrderService } from './order.service.js';
import type { ReturnRequestService } from './return-request.service.js';

/** The saga's other half: payments' verdicts move orders on (PAID, or PAYMENT_FAILED with stock released). */
export function paymentsEventHandlers(
  orders: OrderService,
  returns: ReturnRequestService,
): EventHandlers<PaymentsEvents, MarketplaceEvents> {
  return {
    'payments.payment.succeeded': ({ orderId }, { em, publish }) =>
      orders.applyPayment(em, publish, orderId, OrderStatus.PAID),
    'payments.payment.failed': ({ orderId }, { em, publish }) =>
      orders.applyPayment(em, publish, orderId, OrderStatus.PAYMENT_FAILED),
    'payments.refund.succeeded': async (refund, { em, publish }) => {
      await orders.applyRefund(em, publish, refund);
      if (refund.returnRequestId) await returns.applyRefund(em, publish, refund.returnRequestId, refund.refundId);
    },
    'payments.refund.refused': ({ returnRequestId, reason }, { em, publish }) =>
      returns.applyRefusal(em, publish, returnRequestId, reason),
  };
}
