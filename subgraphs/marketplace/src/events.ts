/**
 * The events marketplace publishes: its public contract. Other subgraphs may `import type` this
 * file and nothing else from marketplace.
 */
export type MarketplaceEvents = {
  /** An order awaits payment; payments charges `paymentMethodId` for `amount` (minor units). */
  'marketplace.order.placed': { orderId: string; buyerId: string; sellerId: string; amount: number; currency: string; paymentMethodId: string };
  /** An order was paid: the seller has a sale to fulfil. */
  'marketplace.order.paid': { orderId: string; buyerId: string; sellerId: string; amount: number; currency: string };
  /** Live: an order changed, for its buyer's and seller's `orderUpdated` subscriptions. */
  'marketplace.order.updated': { id: string; orderId: string; recipientIds: string[] };
};
