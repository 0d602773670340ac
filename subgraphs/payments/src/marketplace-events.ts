/**
 * What payments reads of marketplace's events. Declared here until the marketplace subgraph exists;
 * then this becomes `import type { MarketplaceEvents } from '@peerlink/marketplace/events'`.
 */
export type MarketplaceEvents = {
  /** `amount` is an integer in minor units (cents); `currency` is lowercase ISO 4217, e.g. 'usd'. */
  'marketplace.order.placed': { orderId: string; buyerId: string; sellerId: string; amount: number; currency: string; paymentMethodId: string };
};
