/**
 * The events payments publishes, with their payloads: what other subgraphs may know of payments.
 * Amounts are integers in minor units.
 */
export type PaymentsEvents = {
  'payments.payment.succeeded': {
    paymentId: string;
    orderId: string;
    buyerId: string;
    sellerId: string;
    amount: number;
    currency: string;
  };
  'payments.payment.failed': {
    paymentId: string;
    orderId: string;
    buyerId: string;
    sellerId: string;
    reason: string;
    /** What was asked for. Absent in events from before analytics counted failed amounts. */
    amount?: number;
    currency?: string;
  };
  /** The buyer must finish the payment at `actionUrl` (3-D Secure) before it can succeed. */
  'payments.payment.requires_action': {
    paymentId: string;
    orderId: string;
    buyerId: string;
    sellerId: string;
    actionUrl: string;
  };
  /** Money went back to the buyer; `fullyRefunded` once nothing of the payment is left. */
  'payments.refund.succeeded': {
    refundId: string;
    paymentId: string;
    orderId: string;
    buyerId: string;
    sellerId: string;
    amount: number;
    currency: string;
    refundedTotal: number;
    fullyRefunded: boolean;
    /** The buyer's return request it pays, when marketplace asked for it (`marketplace.return.accepted`). */
    returnRequestId?: string | null;
  };
  /**
   * A return request's refund could not be made: nothing left of the payment, or the provider refused. Nothing moved.
   */
  'payments.refund.refused': { returnRequestId: string; orderId: string; reason: string };
  /** The seller's share of a completed sale (`amount`, after the platform's `fee`) was sent to their payout account. */
  'payments.payout.paid': {
    payoutId: string;
    orderId: string;
    sellerId: string;
    amount: number;
    fee: number;
    currency: string;
  };
  /** Part of a paid payout was taken back after a refund (`amount` now, `reversedTotal` in all). */
  'payments.payout.reversed': {
    payoutId: string;
    orderId: string;
    sellerId: string;
    amount: number;
    reversedTotal: number;
    currency: string;
  };
  /** Live: a payment changed, for the buyer's and the seller's subscriptions (`payment(id:)` is the lookup). */
  'payments.payment.updated': { id: string; paymentId: string; orderId: string; recipientIds: string[] };
  /**
   * Live: a plan subscription changed (renewed, past due, cancelled...), for its owner (`planSubscription(id:)` is the
   * lookup).
   */
  'payments.plan_subscription.updated': { id: string; planSubscriptionId: string; recipientIds: string[] };
  /**
   * A period of a plan subscription was paid (the first when subscribing, then each renewal), told once per period:
   * `(planSubscriptionId, periodEnd)` names the charge. The platform's own revenue; no seller's.
   */
  'payments.plan_subscription.paid': {
    planSubscriptionId: string;
    userId: string;
    planId: string;
    amount: number;
    currency: string;
    /** ISO 8601: the end of the period paid for. */
    periodEnd: string;
  };
  /** A renewal failed and the subscription is now past due; the owner should hear of it. */
  'payments.plan_subscription.renewal_failed': {
    planSubscriptionId: string;
    userId: string;
    planId: string;
    planName: string;
    amount: number;
    currency: string;
    reason: string;
  };
};
