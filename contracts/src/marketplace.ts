/** One line of an order: `unitAmount` in the order's currency, and the product's category when it was bought. */
export interface OrderLine {
  productId: string;
  kind: 'PHYSICAL' | 'DIGITAL' | 'COURSE';
  quantity: number;
  unitAmount: number;
  courseId: string | null;
  categoryId: string | null;
}

/** The events marketplace publishes, with their payloads: what other subgraphs may know of marketplace. */
export type MarketplaceEvents = {
  /**
   * An order awaits payment; payments charges `paymentMethodId` for `amount`, an integer in minor
   * units (cents), in `currency`, lowercase ISO 4217 ('usd').
   */
  'marketplace.order.placed': {
    orderId: string;
    buyerId: string;
    sellerId: string;
    amount: number;
    currency: string;
    paymentMethodId: string;
    /**
     * SALE between two users, or ADVERTISING a seller bought from the platform. Absent in events from before
     * analytics told them apart.
     */
    purpose?: 'SALE' | 'ADVERTISING';
  };
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
    /**
     * The learning courses its COURSE lines sell: learning enrolls the buyer while the order is PAID onwards, and
     * ends that when it is cancelled or refunded in full. Absent in events from before courses were sold.
     */
    courseIds?: string[];
    /**
     * SALE between two users, or ADVERTISING a seller bought from the platform (nobody to tell on the selling side).
     */
    purpose: 'SALE' | 'ADVERTISING';
    /**
     * It holds physical products, which the seller ships (SHIPPED, then DELIVERED); a digital-only order is complete
     * once PAID.
     */
    ships: boolean;
    /**
     * What a SALE sold, as bought (an ADVERTISING order sells no product: none). Absent in events from before
     * analytics counted units.
     */
    lines?: OrderLine[];
  };
  /**
   * A product was listed, or its listing changed (title, price, category, status): for figures that count only
   * what is on sale now. COURSE products follow their course (`learning.course.published`/`archived`) instead.
   * Stock alone moving between ACTIVE and SOLD_OUT tells nothing: both are on sale.
   */
  'marketplace.product.changed': {
    productId: string;
    sellerId: string;
    kind: 'PHYSICAL' | 'DIGITAL' | 'COURSE';
    title: string;
    /** A ProductStatus name: DRAFT, ACTIVE, SOLD_OUT or ARCHIVED. */
    status: string;
    categoryId: string | null;
    /** The category and its ancestors, root first (empty without a category), so nobody needs a copy of the tree. */
    categoryPath: string[];
    priceAmount: number;
    currency: string;
    courseId: string | null;
  };
  /**
   * A payment succeeded for an order that no longer wants it (cancelled or failed meanwhile, e.g.
   * payments was down past the payment window, or 3-D Secure finished late): payments refunds it.
   */
  'marketplace.order.payment_unwanted': { orderId: string };
  /** Money went back to the buyer (`amount` now, `refundedTotal` in all); `fully` when all of it. */
  'marketplace.order.refunded': {
    orderId: string;
    buyerId: string;
    sellerId: string;
    amount: number;
    refundedTotal: number;
    currency: string;
    summary: string;
    fully: boolean;
  };
  /**
   * A return request was made (`previousStatus` null) or moved on; `amount` is what it asks back, or
   * what was asked of payments once accepted. Drive checks a new request's `photoIds`;
   * notifications decides who hears what.
   */
  'marketplace.return.changed': {
    returnRequestId: string;
    orderId: string;
    buyerId: string;
    sellerId: string;
    status: string;
    previousStatus: string | null;
    amount: number;
    currency: string;
    /** The lines asked about: "1 × Brass lamp". */
    summary: string;
    declineReason: string | null;
    resolutionNote: string | null;
    refundFailure: string | null;
    photoIds: string[];
  };
  /**
   * A return was accepted (by the seller or an admin): payments refunds `amount` of the order's
   * payment, once per `refundKey` however often told. Each acceptance has its own key, so one after
   * a refused refund is asked afresh rather than answered with the provider's remembered refusal.
   */
  'marketplace.return.accepted': {
    returnRequestId: string;
    orderId: string;
    amount: number;
    currency: string;
    reason: string;
    refundKey: string;
  };
  /** Live: an order changed, for its buyer's and seller's `orderUpdated` subscriptions. */
  'marketplace.order.updated': { id: string; orderId: string; recipientIds: string[] };
};
