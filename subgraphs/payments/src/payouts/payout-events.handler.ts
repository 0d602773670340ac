import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { PayoutService } from './payout.service.js';

type OrderChanged = MarketplaceEvents['marketplace.order.changed'];

/**
 * A sale is complete, and the seller's share falls due, when the buyer has what they bought:
 * DELIVERED for what ships, PAID for digital-only orders (the files are theirs at once). The
 * platform's own sales (advertising) pay nobody; events from before `purpose` existed were all sales.
 * Events from before `ships` existed (replayed to a
 * new consumer, or from a marketplace not yet upgraded) lack it: they count as shipping, so no
 * payout falls due before delivery.
 */
export const completesSale = (
  change: Pick<OrderChanged, 'status'> & { purpose?: OrderChanged['purpose']; ships?: boolean },
) =>
  change.purpose !== 'ADVERTISING' &&
  (change.status === 'DELIVERED' || (change.status === 'PAID' && change.ships === false));

/** Payouts follow orders (from marketplace) and refunds (payments' own events), under their own durable consumer. */
export function payoutEventHandlers(
  payouts: PayoutService,
): EventHandlers<MarketplaceEvents & PaymentsEvents, PaymentsEvents> {
  return {
    'marketplace.order.changed': {
      when: completesSale,
      handle: ({ orderId }, { em, publish, afterCommit }) => payouts.fallDue(em, publish, orderId, afterCommit),
    },
    'payments.refund.succeeded': (refund, { em, afterCommit }) => payouts.refunded(em, refund, afterCommit),
  };
}
