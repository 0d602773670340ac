import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefundRefused, type PaymentProvider, type PaymentRequest } from '@peerlink/payments/provider';
import { SandboxPayments } from '@peerlink/payments/sandbox-provider';
import { createStripeClient } from '@peerlink/payments/stripe-client';
import { outcomeOf, StripePayments } from '@peerlink/payments/stripe-provider';
import { FakeStripe } from '../../../e2e/support/fake-stripe.js';

const returnUrl = 'https://app.peerlink.test/payments/return';

interface Adapter {
  name: string;
  open(): Promise<{
    provider: PaymentProvider;
    /** Payments the processor has made (each idempotency key once), whatever their outcome. */
    paymentsMade(): number;
    close(): Promise<void>;
  }>;
}

const adapters: Adapter[] = [
  {
    name: 'SandboxPayments',
    async open() {
      const sandbox = new SandboxPayments();
      // The sandbox keeps one answer per key; reading its private map is the only way to count them.
      return { provider: sandbox, paymentsMade: () => sandbox['answered'].size, close: async () => {} };
    },
  },
  {
    name: 'StripePayments (fake Stripe)',
    async open() {
      const stripe = new FakeStripe();
      await stripe.start();
      return {
        provider: new StripePayments({ stripe: createStripeClient({ secretKey: stripe.secretKey, apiBase: stripe.url }), returnUrl }),
        paymentsMade: () => stripe.received.filter((r) => r.path === '/v1/payment_intents' && r.status < 500 && !r.replayed).length,
        close: () => stripe.stop(),
      };
    },
  },
];

let keys = 0;
const charge = (paymentMethodId: string, overrides: Partial<PaymentRequest> = {}): PaymentRequest => ({
  amount: 2500,
  currency: 'usd',
  paymentMethodId,
  idempotencyKey: `contract-charge-${++keys}`,
  metadata: { orderId: `order-${keys}` },
  ...overrides,
});
const refundOf = (providerPaymentId: string, amount: number, idempotencyKey = `contract-refund-${++keys}`) => ({
  providerPaymentId,
  amount,
  idempotencyKey,
  metadata: { refundId: idempotencyKey },
});

describe.each(adapters)('PaymentProvider contract: $name', ({ open }) => {
  let provider: PaymentProvider;
  let paymentsMade: () => number;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ provider, paymentsMade, close } = await open());
  });
  afterEach(() => close());

  it('charges a card that succeeds, with a client secret for that payment', async () => {
    const payment = await provider.confirmPayment(charge('pm_card_visa'));
    expect(payment).toEqual({ status: 'SUCCEEDED', providerPaymentId: expect.stringMatching(/^pi_/), clientSecret: expect.any(String) });
    expect(payment.clientSecret.startsWith(`${payment.providerPaymentId}_secret_`)).toBe(true);
  });

  it('reports a declined card as FAILED in Stripe’s words, with the payment it left', async () => {
    const payment = await provider.confirmPayment(charge('pm_card_chargeDeclined'));
    expect(payment).toMatchObject({ status: 'FAILED', failureReason: 'Your card was declined.', providerPaymentId: expect.stringMatching(/^pi_/) });
  });

  it('asks for 3-D Secure with an http(s) link for that payment', async () => {
    const payment = await provider.confirmPayment(charge('pm_card_threeDSecure2Required'));
    expect(payment.status).toBe('REQUIRES_ACTION');
    if (payment.status !== 'REQUIRES_ACTION') return;
    expect(['http:', 'https:']).toContain(new URL(payment.actionUrl).protocol);
    expect(payment.actionUrl).toContain(payment.providerPaymentId);
  });

  it('fails a payment method it does not know', async () => {
    const payment = await provider.confirmPayment(charge('pm_123'));
    expect(payment).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/^No such payment ?method/i) });
  });

  it('answers a repeated idempotency key with the first payment and charges once', async () => {
    for (const method of ['pm_card_visa', 'pm_card_chargeDeclined', 'pm_card_threeDSecure2Required']) {
      const request = charge(method);
      const before = paymentsMade();
      const first = await provider.confirmPayment(request);
      expect(await provider.confirmPayment({ ...request, metadata: { ...request.metadata } })).toEqual(first);
      expect(paymentsMade() - before).toBe(1);
    }
    const another = await provider.confirmPayment(charge('pm_card_visa'));
    const yetAnother = await provider.confirmPayment(charge('pm_card_visa'));
    expect(yetAnother.providerPaymentId).not.toBe(another.providerPaymentId);
  });

  it('refuses a repeated idempotency key with different arguments', async () => {
    const request = charge('pm_card_visa');
    await provider.confirmPayment(request);
    await expect(provider.confirmPayment({ ...request, amount: 9900 })).rejects.toThrow(/same parameters/);
    await expect(provider.confirmPayment({ ...request, metadata: { orderId: 'another-order' } })).rejects.toThrow(/same parameters/);
  });

  it('refunds part of a payment, then the rest, then nothing more', async () => {
    const { providerPaymentId } = await provider.confirmPayment(charge('pm_card_visa'));
    const part = await provider.refund(refundOf(providerPaymentId, 1000));
    const rest = await provider.refund(refundOf(providerPaymentId, 1500));
    expect(part.providerRefundId).toMatch(/^re_/);
    expect(rest.providerRefundId).toMatch(/^re_/);
    expect(rest.providerRefundId).not.toBe(part.providerRefundId);
    await expect(provider.refund(refundOf(providerPaymentId, 1))).rejects.toBeInstanceOf(RefundRefused);
  });

  it('refuses to refund more than is left, and the refusal changes nothing', async () => {
    const { providerPaymentId } = await provider.confirmPayment(charge('pm_card_visa'));
    await provider.refund(refundOf(providerPaymentId, 500));
    await expect(provider.refund(refundOf(providerPaymentId, 2001))).rejects.toBeInstanceOf(RefundRefused);
    await expect(provider.refund(refundOf(providerPaymentId, 2000))).resolves.toEqual({ providerRefundId: expect.stringMatching(/^re_/) });
  });

  it('refuses to refund a payment that did not succeed', async () => {
    for (const method of ['pm_card_chargeDeclined', 'pm_card_threeDSecure2Required']) {
      const { providerPaymentId } = await provider.confirmPayment(charge(method));
      const refused = provider.refund(refundOf(providerPaymentId, 100));
      await expect(refused).rejects.toBeInstanceOf(RefundRefused);
      await expect(refused).rejects.toThrow(/successful charge|did not succeed/);
    }
  });

  it('refunds once for a repeated refund idempotency key', async () => {
    const { providerPaymentId } = await provider.confirmPayment(charge('pm_card_visa'));
    const request = refundOf(providerPaymentId, 1000);
    const first = await provider.refund(request);
    expect(await provider.refund({ ...request, metadata: { ...request.metadata } })).toEqual(first);
    await expect(provider.refund(refundOf(providerPaymentId, 1501))).rejects.toBeInstanceOf(RefundRefused);
    await expect(provider.refund(refundOf(providerPaymentId, 1500))).resolves.toBeDefined();
  });
});

describe('StripePayments', () => {
  let stripe: FakeStripe;
  beforeEach(async () => {
    stripe = new FakeStripe();
    await stripe.start();
  });
  afterEach(() => stripe.stop());

  /** The SDK pointed at the fake, as the payments subgraph makes it. */
  const stripeProvider = () => new StripePayments({ stripe: createStripeClient({ secretKey: stripe.secretKey, apiBase: stripe.url }), returnUrl });

  it('sends our idempotency key as Stripe’s, for cards only, confirmed at once, with our metadata', async () => {
    const provider = stripeProvider();
    const request = charge('pm_card_visa', { metadata: { orderId: 'order-x', buyerId: 'buyer-x' } });
    const { providerPaymentId } = await provider.confirmPayment(request);
    await provider.refund({ providerPaymentId, amount: 700, idempotencyKey: 'refund-key', metadata: { reason: 'damaged' } });

    expect(stripe.received.map(({ method, path, idempotencyKey, params }) => ({ method, path, idempotencyKey, params }))).toEqual([
      {
        method: 'POST',
        path: '/v1/payment_intents',
        idempotencyKey: request.idempotencyKey,
        params: {
          amount: '2500',
          currency: 'usd',
          payment_method: 'pm_card_visa',
          'allowed_payment_method_types[0]': 'card',
          confirm: 'true',
          return_url: returnUrl,
          'metadata[orderId]': 'order-x',
          'metadata[buyerId]': 'buyer-x',
        },
      },
      { method: 'POST', path: '/v1/refunds', idempotencyKey: 'refund-key', params: { payment_intent: providerPaymentId, amount: '700', 'metadata[reason]': 'damaged' } },
    ]);
  });

  it('gives Stripe’s own 3-D Secure page as the action link', async () => {
    const provider = stripeProvider();
    const payment = await provider.confirmPayment(charge('pm_card_threeDSecure2Required'));
    const intent = stripe.paymentIntents.get(payment.providerPaymentId);
    expect(payment).toMatchObject({ status: 'REQUIRES_ACTION', actionUrl: (intent?.next_action as { redirect_to_url: { url: string } }).redirect_to_url.url });
  });

  it('throws, rather than failing the payment, when Stripe refuses the key', async () => {
    const provider = new StripePayments({ stripe: createStripeClient({ secretKey: 'sk_test_wrong', apiBase: stripe.url }), returnUrl });
    await expect(provider.confirmPayment(charge('pm_card_visa'))).rejects.toThrow(/Invalid API Key/);
    expect(stripe.paymentIntents.size).toBe(0);
  });
});

describe('outcomeOf (a Stripe PaymentIntent)', () => {
  const intent = { id: 'pi_1', next_action: null, last_payment_error: null };

  it('sends the buyer to our return page when Stripe asks for Stripe.js (use_stripe_sdk)', () => {
    const sdk = { ...intent, status: 'requires_action' as const, next_action: { type: 'use_stripe_sdk', use_stripe_sdk: {} } };
    expect(outcomeOf(sdk, returnUrl)).toEqual({ status: 'REQUIRES_ACTION', actionUrl: `${returnUrl}?payment_intent=pi_1` });
  });

  it('reads a failed attempt’s reason from the last payment error', () => {
    const failed = { ...intent, status: 'requires_payment_method' as const, last_payment_error: { type: 'card_error' as const, message: 'Your card has expired.' } };
    expect(outcomeOf(failed, returnUrl)).toEqual({ status: 'FAILED', failureReason: 'Your card has expired.' });
  });

  it('throws while the payment has no outcome yet (processing), rather than guessing one', () => {
    expect(() => outcomeOf({ ...intent, status: 'processing' }, returnUrl)).toThrow(/pi_1.*processing/);
  });
});
