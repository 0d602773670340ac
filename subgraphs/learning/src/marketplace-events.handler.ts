import type { LearningEvents } from '@peerlink/contracts/learning';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { EnrollmentService } from './enrollment.service.js';

/** An order's status in which its buyer keeps what it bought: paid, and (for a mixed order) shipped or delivered. */
const OWNED = new Set(['PAID', 'SHIPPED', 'DELIVERED']);
/** Statuses that end what the order bought; any other (one added later, say) changes no enrollment. */
const ENDED = new Set(['CANCELLED', 'PAYMENT_FAILED', 'REFUNDED']);

/** Paid courses: the order of a course's product enrolls its buyer; cancelled or fully refunded, that ends. */
export function marketplaceEventHandlers(
  enrollments: EnrollmentService,
): EventHandlers<MarketplaceEvents, LearningEvents> {
  return {
    'marketplace.order.changed': {
      when: ({ courseIds, status }) => !!courseIds?.length && (OWNED.has(status) || ENDED.has(status)),
      handle: ({ orderId, buyerId, sellerId, status, courseIds }, { em, publish }) =>
        OWNED.has(status)
          ? enrollments.purchased(em, publish, { orderId, buyerId, sellerId, courseIds: courseIds! })
          : enrollments.purchaseEnded(em, publish, orderId),
    },
  };
}
