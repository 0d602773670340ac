/**
 * The events marketplace publishes: its public contract. Other subgraphs may `import type` this
 * file and nothing else from marketplace.
 */
export type MarketplaceEvents = {
  /** An order awaits payment; payments charges `paymentMethodId` for `amount` (minor units). */
  'marketplace.order.placed': { orderId: string; buyerId: string; sellerId: string; amount: number; currency: string; paymentMethodId: string };
  /**
   * An order moved from `previousStatus` to `status` (an OrderStatus name). `summary` names what
   * it holds ("2 × Brass lamp, 1 × Pan"), for messages about it.
   */
  'marketplace.order.changed': {
    orderId: string;
    buyerId: string;
    sellerId: string;
    status: string;
    previousStatus: string;
    amount: number;
    currency: string;
    summary: string;
    trackingNumber: string | null;
    /** The files its digital products deliver: drive lets the buyer read them while the order is PAID onwards. */
    digitalFileIds: string[];
    /** SALE between two users, or ADVERTISING a seller bought from the platform (nobody to tell on the selling side). */
    purpose: 'SALE' | 'ADVERTISING';
    /** It holds physical products, which the seller ships (SHIPPED, then DELIVERED); a digital-only order is complete once PAID. */
    ships: boolean;
  };
  /**
   * A payment succeeded for an order that no longer wants it (cancelled or failed meanwhile, e.g.
   * payments was down past the payment window, or 3-D Secure finished late): payments refunds it.
   */
  'marketplace.order.payment_unwanted': { orderId: string };
  /** Money went back to the buyer (`amount` now, `refundedTotal` in all); `fully` when all of it. */
  'marketplace.order.refunded': { orderId: string; buyerId: string; sellerId: string; amount: number; refundedTotal: number; currency: string; summary: string; fully: boolean };
  /** Live: an order changed, for its buyer's and seller's `orderUpdated` subscriptions. */
  'marketplace.order.updated': { id: string; orderId: string; recipientIds: string[] };
};
