/**
 * A card processor. `SandboxPayments` needs nothing outside the process; a Stripe adapter will sit
 * behind the same interface.
 */
export interface PaymentProvider {
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
  idempotencyKey: string;
  metadata: Record<string, string>;
}

/** A reason comes with every failure and a link with every required action, so callers need not guess. */
export type PaymentOutcome =
  | { status: 'SUCCEEDED' }
  | { status: 'FAILED'; failureReason: string }
  | { status: 'REQUIRES_ACTION'; actionUrl: string };

export type ConfirmedPayment = PaymentOutcome & {
  providerPaymentId: string;
  /** Lets the payer's client finish the payment with the provider (e.g. Stripe.js); never shown to anyone else. */
  clientSecret: string;
};
