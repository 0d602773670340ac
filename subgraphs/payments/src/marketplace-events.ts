/**
 * What payments reads of marketplace's events. Declared on this side because marketplace already
 * depends on payments (for PaymentsEvents) and packages cannot depend on each other; marketplace
 * checks at compile time that its own declarations still fit these.
 */
export type MarketplaceEvents = {
  /** `amount` is an integer in minor units (cents); `currency` is lowercase ISO 4217, e.g. 'usd'. */
  'marketplace.order.placed': { orderId: string; buyerId: string; sellerId: string; amount: number; currency: string; paymentMethodId: string };
  /** A success for an order that had already ended: refunded in full. */
  'marketplace.order.payment_unwanted': { orderId: string };
  /** The seller (or an admin) accepted a buyer's return: refund `amount`, once per `refundKey` (one per acceptance) however often told. */
  'marketplace.return.accepted': { returnRequestId: string; orderId: string; amount: number; currency: string; reason: string; refundKey: string };
  /**
   * Payments acts on a paid order cancelled before shipping (refunded in full), and on a sale
   * complete (DELIVERED, or PAID when nothing `ships`): the seller's payout falls due.
   */
  'marketplace.order.changed': { orderId: string; sellerId: string; status: string; previousStatus: string; purpose: 'SALE' | 'ADVERTISING'; ships: boolean };
};
