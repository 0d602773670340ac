import { randomBytes } from 'node:crypto';
import { RefundRefused, type ConfirmedPayment, type PaymentOutcome, type PaymentProvider, type PaymentRequest, type RefundRequest } from './provider.js';

const succeeds: PaymentOutcome = { status: 'SUCCEEDED' };
const declined: PaymentOutcome = { status: 'FAILED', failureReason: 'Your card was declined.' };

/** Stripe's documented test payment methods, and the card numbers behind them. */
const TEST_CARDS = new Map<string, PaymentOutcome | 'authenticate'>([
  ['pm_card_visa', succeeds],
  ['4242424242424242', succeeds],
  ['pm_card_chargeDeclined', declined],
  ['4000000000000002', declined],
  ['pm_card_threeDSecure2Required', 'authenticate'],
  ['4000000000003220', 'authenticate'],
]);

/**
 * A card processor in memory that answers as Stripe's test mode does for its test payment methods:
 * other `pm_card_*` ids succeed (those named `...Declined...` are declined), anything else does not
 * exist. Nothing serves `actionUrl` yet: finishing 3-D Secure comes with the provider's webhooks.
 */
export class SandboxPayments implements PaymentProvider {
  readonly name = 'sandbox';
  /** Answers by idempotency key, with the request that got them. Lost on restart, as a sandbox may be. */
  private readonly answered = new Map<string, { request: string; payment: ConfirmedPayment }>();
  /** What each succeeded payment took and has given back, by provider payment id. */
  private readonly charges = new Map<string, { amount: number; refunded: number }>();
  private readonly refunds = new Map<string, { request: string; providerRefundId: string }>();

  constructor(private readonly actionBaseUrl = 'https://sandbox.payments.peerlink.local/authenticate') {}

  async confirmPayment({ idempotencyKey, ...request }: PaymentRequest): Promise<ConfirmedPayment> {
    const fingerprint = JSON.stringify(request);
    const earlier = this.answered.get(idempotencyKey);
    if (earlier) {
      if (earlier.request !== fingerprint) {
        throw new Error('Keys for idempotent requests can only be used with the same parameters they were first used with.');
      }
      return earlier.payment;
    }
    const providerPaymentId = `pi_sandbox_${randomBytes(12).toString('hex')}`;
    const known = outcomeOf(request.paymentMethodId);
    const outcome: PaymentOutcome = known === 'authenticate' ? { status: 'REQUIRES_ACTION', actionUrl: `${this.actionBaseUrl}/${providerPaymentId}` } : known;
    const payment: ConfirmedPayment = { ...outcome, providerPaymentId, clientSecret: `${providerPaymentId}_secret_${randomBytes(12).toString('hex')}` };
    this.answered.set(idempotencyKey, { request: fingerprint, payment });
    if (payment.status === 'SUCCEEDED') this.charges.set(providerPaymentId, { amount: request.amount, refunded: 0 });
    return payment;
  }

  async refund({ idempotencyKey, ...request }: RefundRequest): Promise<{ providerRefundId: string }> {
    const fingerprint = JSON.stringify(request);
    const earlier = this.refunds.get(idempotencyKey);
    if (earlier) {
      if (earlier.request !== fingerprint) throw new Error('Keys for idempotent requests can only be used with the same parameters they were first used with.');
      return { providerRefundId: earlier.providerRefundId };
    }
    const charge = this.charges.get(request.providerPaymentId);
    if (!charge) throw new RefundRefused('This payment did not succeed, so there is nothing to refund.');
    if (!Number.isSafeInteger(request.amount) || request.amount < 1 || request.amount > charge.amount - charge.refunded) {
      throw new RefundRefused(`At most ${charge.amount - charge.refunded} (minor units) is left to refund.`);
    }
    charge.refunded += request.amount;
    const providerRefundId = `re_sandbox_${randomBytes(12).toString('hex')}`;
    this.refunds.set(idempotencyKey, { request: fingerprint, providerRefundId });
    return { providerRefundId };
  }
}

function outcomeOf(paymentMethodId: string): PaymentOutcome | 'authenticate' {
  const known = TEST_CARDS.get(paymentMethodId);
  if (known) return known;
  if (paymentMethodId.startsWith('pm_card_')) return paymentMethodId.includes('Declined') ? declined : succeeds;
  return { status: 'FAILED', failureReason: 'No such payment method' };
}
