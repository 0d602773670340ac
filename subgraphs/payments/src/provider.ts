/**
 * A card processor. `SandboxPayments` needs nothing outside the process; `StripePayments` sits
 * behind the same interface.
 */
export interface PaymentProvider extends SavedPaymentMethods, RecurringBilling {
  /** Stored with each payment, e.g. 'sandbox' or 'stripe'. */
  readonly name: string;
  /**
   * Creates and confirms a charge. The same `idempotencyKey` with the same arguments returns the first
   * answer without charging again, so a retried event never double-charges; reusing a key with
   * different arguments is an error, as at Stripe.
   */
  confirmPayment(request: PaymentRequest): Promise<ConfirmedPayment>;
  /**
   * Gives back part or all of a succeeded payment. The same `idempotencyKey` refunds once. Refusals
   * (more than is left, a payment that did not succeed) reject with `RefundRefused`.
   */
  refund(request: RefundRequest): Promise<{ providerRefundId: string }>;
}

export interface RefundRequest {
  providerPaymentId: string;
  /** Minor units; at most what is left of the payment. */
  amount: number;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

/** The provider said no to a refund; `message` says why in words for the person asking. */
export class RefundRefused extends Error {
  override name = 'RefundRefused';
}

export interface PaymentRequest {
  /** Minor units, e.g. cents. */
  amount: number;
  /** Lowercase ISO 4217, e.g. 'usd'. */
  currency: string;
  paymentMethodId: string;
  /** The provider customer a saved payment method is attached to; a saved method charges only with its own customer. */
  customerId?: string;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

/** A reason comes with every failure and a link with every required action, so callers need not guess. */
export type PaymentOutcome =
  | { status: 'SUCCEEDED' }
  | { status: 'FAILED'; failureReason: string }
  | { status: 'REQUIRES_ACTION'; actionUrl: string }
  /** Not decided yet (the bank has not answered); the provider's webhook settles it. */
  | { status: 'PROCESSING' };

export type ConfirmedPayment = PaymentOutcome & {
  providerPaymentId: string;
  /** Lets the payer's client finish the payment with the provider (e.g. Stripe.js); never shown to anyone else. */
  clientSecret: string;
};

/** A saved card as the provider describes it: never its number. */
export interface CardDetails {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

/** Cards kept at the provider for a customer (Stripe: Customers, SetupIntents and PaymentMethods). */
export interface SavedPaymentMethods {
  /** The provider's customer for one of our users; the same user always gets the same customer. */
  createCustomer(userId: string): Promise<{ customerId: string }>;
  /**
   * Saves a card for charges later, without the customer present (Stripe: a SetupIntent for
   * off-session use). With `paymentMethodId` (a token or a test id) it is confirmed at once; without
   * one the customer's client collects the card with the returned secret. A saved card has a new id,
   * attached to the customer. The same `idempotencyKey` gives the first answer.
   */
  setupPaymentMethod(request: SetupRequest): Promise<ConfirmedSetup>;
  /** The card behind a saved payment method, e.g. once a setup finished after 3-D Secure. */
  cardOf(paymentMethodId: string): Promise<CardDetails>;
  /** Detaches a saved card from its customer: it can never be charged again. Detaching twice is harmless. */
  detachPaymentMethod(paymentMethodId: string): Promise<void>;
}

export interface SetupRequest {
  customerId: string;
  paymentMethodId?: string;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export type SetupOutcome =
  | { status: 'SUCCEEDED'; paymentMethodId: string; card: CardDetails }
  | { status: 'FAILED'; failureReason: string }
  | { status: 'REQUIRES_ACTION'; actionUrl: string }
  /** No card yet: the client collects one with `clientSecret` (Stripe.js `confirmCardSetup`). */
  | { status: 'REQUIRES_PAYMENT_METHOD' };

export type ConfirmedSetup = SetupOutcome & { providerSetupId: string; clientSecret: string };

export type PlanInterval = 'MONTH' | 'YEAR';

/** What a plan charges, as the provider needs it. */
export interface PlanTerms {
  planId: string;
  name: string;
  amount: number;
  currency: string;
  interval: PlanInterval;
}

/**
 * Subscriptions the provider renews on its own clock; what happens later (renewals paid or failed,
 * the end of a cancelled one) comes back as `BillingEvent`s: Stripe's webhooks, the sandbox's clock.
 */
export interface RecurringBilling {
  /**
   * The provider's price for a plan (Stripe: a Product and a recurring Price), made once per plan. Terms
   * the provider does not take (a currency it does not know, an amount out of its range) reject with
   * `PlanTermsRefused`.
   */
  createPlanPrice(plan: PlanTerms): Promise<{ providerPriceId: string }>;
  /** Starts a subscription and charges its first period at once with a saved card; the same key starts one. */
  createSubscription(request: SubscriptionRequest): Promise<StartedSubscription>;
  /**
   * The subscription stops renewing and ends with its current period. One the provider has already
   * ended (or never heard of) rejects with `SubscriptionGone`.
   */
  cancelAtPeriodEnd(providerSubscriptionId: string): Promise<void>;
}

/** The provider refused a plan's terms; `field` names the one at fault, `message` says why. */
export class PlanTermsRefused extends Error {
  override name = 'PlanTermsRefused';
  constructor(
    message: string,
    readonly field: 'amount' | 'currency',
  ) {
    super(message);
  }
}

/** The provider has no live subscription by that id: it ended it (after failed renewals, say) or never had it. */
export class SubscriptionGone extends Error {
  override name = 'SubscriptionGone';
}

export interface SubscriptionRequest {
  customerId: string;
  providerPriceId: string;
  /** The sandbox keeps nothing across restarts, so it reads the terms from here; Stripe knows them by price. */
  plan: PlanTerms;
  paymentMethodId: string;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export type StartedSubscription =
  | { status: 'ACTIVE'; providerSubscriptionId: string; currentPeriodEnd: Date }
  /** The first payment did not go through: nothing was started. */
  | { status: 'FAILED'; failureReason: string };

/**
 * What the provider reports about a subscription later, whoever reports it. `periodEnd` is the end of
 * the period an invoice is for: comparing it with what is stored makes late or repeated news harmless.
 */
export type BillingEvent = (
  | { type: 'invoice.paid'; providerSubscriptionId: string; periodEnd: Date }
  | { type: 'invoice.payment_failed'; providerSubscriptionId: string; periodEnd: Date; reason: string }
  | { type: 'subscription.cancelling'; providerSubscriptionId: string }
  | { type: 'subscription.ended'; providerSubscriptionId: string }
) & {
  /**
   * The metadata the subscription was started with (our `planSubscriptionId`, `userId`), when the provider repeats it.
   */
  metadata?: Record<string, string>;
};
