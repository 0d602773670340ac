import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefundRefused, type PaymentProvider, type PaymentRequest, type SetupRequest } from '@peerlink/payments/provider';
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

describe.each(adapters)('PaymentProvider contract, saved cards: $name', ({ open }) => {
  let provider: PaymentProvider;
  let close: () => Promise<void>;
  let customerId: string;

  beforeEach(async () => {
    ({ provider, close } = await open());
    ({ customerId } = await provider.createCustomer(`user-${++keys}`));
  });
  afterEach(() => close());

  const setup = (paymentMethodId: string | undefined, customer = customerId, idempotencyKey = `contract-setup-${++keys}`): SetupRequest => ({
    customerId: customer,
    paymentMethodId,
    idempotencyKey,
    metadata: { userId: 'user' },
  });
  const saved = async (testId = 'pm_card_visa', customer = customerId) => {
    const result = await provider.setupPaymentMethod(setup(testId, customer));
    if (result.status !== 'SUCCEEDED') throw new Error(`${testId} was not saved: ${result.status}`);
    return result;
  };

  it('makes one customer per user, however often asked', async () => {
    const first = await provider.createCustomer('user-once');
    expect(first.customerId).toMatch(/^cus_/);
    expect(await provider.createCustomer('user-once')).toEqual(first);
    expect((await provider.createCustomer('user-other')).customerId).not.toBe(first.customerId);
  });

  it('saves a test card as a new payment method of the customer, with the card’s details', async () => {
    const result = await saved('pm_card_visa');
    const card = { brand: 'visa', last4: '4242', expMonth: 12, expYear: new Date().getUTCFullYear() + 1 };
    expect(result).toEqual({ status: 'SUCCEEDED', paymentMethodId: expect.stringMatching(/^pm_/), card, providerSetupId: expect.stringMatching(/^seti_/), clientSecret: expect.stringMatching(/_secret_/) });
    expect(result.paymentMethodId).not.toBe('pm_card_visa');
    expect(await provider.cardOf(result.paymentMethodId)).toEqual(card);
    expect((await saved('pm_card_mastercard')).card).toMatchObject({ brand: 'mastercard', last4: '4444' });
  });

  it('charges a saved card with its own customer only', async () => {
    const { paymentMethodId } = await saved();
    const { customerId: someoneElse } = await provider.createCustomer(`user-${++keys}`);
    expect(await provider.confirmPayment(charge(paymentMethodId, { customerId }))).toMatchObject({ status: 'SUCCEEDED' });
    expect(await provider.confirmPayment(charge(paymentMethodId, { customerId: someoneElse }))).toMatchObject({ status: 'FAILED' });
    expect(await provider.confirmPayment(charge(paymentMethodId))).toMatchObject({ status: 'FAILED' });
  });

  it('saves pm_card_chargeCustomerFail, then declines its charges', async () => {
    const { paymentMethodId } = await saved('pm_card_chargeCustomerFail');
    expect(await provider.confirmPayment(charge(paymentMethodId, { customerId }))).toMatchObject({ status: 'FAILED', failureReason: 'Your card was declined.' });
  });

  it('refuses to save a declined card, or one it does not know', async () => {
    expect(await provider.setupPaymentMethod(setup('pm_card_chargeDeclined'))).toMatchObject({ status: 'FAILED', failureReason: 'Your card was declined.' });
    expect(await provider.setupPaymentMethod(setup('pm_123'))).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/^No such PaymentMethod/) });
  });

  it('asks for 3-D Secure before saving an authentication card, with a link for that setup', async () => {
    const result = await provider.setupPaymentMethod(setup('pm_card_threeDSecure2Required'));
    expect(result.status).toBe('REQUIRES_ACTION');
    if (result.status !== 'REQUIRES_ACTION') return;
    expect(['http:', 'https:']).toContain(new URL(result.actionUrl).protocol);
    expect(result.actionUrl).toContain(result.providerSetupId);
  });

  it('without a card, gives the client a secret to collect one with', async () => {
    const result = await provider.setupPaymentMethod(setup(undefined));
    expect(result).toEqual({ status: 'REQUIRES_PAYMENT_METHOD', providerSetupId: expect.stringMatching(/^seti_/), clientSecret: expect.any(String) });
    expect(result.clientSecret.startsWith(`${result.providerSetupId}_secret_`)).toBe(true);
  });

  it('answers a repeated setup key with the first setup, and saves once', async () => {
    const request = setup('pm_card_visa');
    const first = await provider.setupPaymentMethod(request);
    expect(await provider.setupPaymentMethod({ ...request, metadata: { ...request.metadata } })).toEqual(first);
  });

  it('never charges a detached card again; detaching twice is harmless', async () => {
    const { paymentMethodId } = await saved();
    await provider.detachPaymentMethod(paymentMethodId);
    await provider.detachPaymentMethod(paymentMethodId);
    expect(await provider.confirmPayment(charge(paymentMethodId, { customerId }))).toMatchObject({ status: 'FAILED' });
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

  it('saves cards through a Customer made once per user and an off-session SetupIntent, and charges them with the customer', async () => {
    const provider = stripeProvider();
    const { customerId } = await provider.createCustomer('User-A');
    const setup = await provider.setupPaymentMethod({ customerId, paymentMethodId: 'pm_card_visa', idempotencyKey: 'setup-key', metadata: { userId: 'user-a' } });
    if (setup.status !== 'SUCCEEDED') throw new Error(setup.status);
    await provider.confirmPayment(charge(setup.paymentMethodId, { customerId, idempotencyKey: 'pay-key', metadata: {} }));
    await provider.detachPaymentMethod(setup.paymentMethodId);

    expect(stripe.received.map(({ method, path, idempotencyKey, params }) => ({ method, path, idempotencyKey, params }))).toEqual([
      { method: 'POST', path: '/v1/customers', idempotencyKey: 'peerlink-customer-user-a', params: { 'metadata[userId]': 'User-A' } },
      {
        method: 'POST',
        path: '/v1/setup_intents',
        idempotencyKey: 'setup-key',
        params: {
          customer: customerId,
          usage: 'off_session',
          'allowed_payment_method_types[0]': 'card',
          'metadata[userId]': 'user-a',
          payment_method: 'pm_card_visa',
          confirm: 'true',
          return_url: returnUrl,
        },
      },
      { method: 'GET', path: `/v1/payment_methods/${setup.paymentMethodId}`, idempotencyKey: null, params: {} },
      {
        method: 'POST',
        path: '/v1/payment_intents',
        idempotencyKey: 'pay-key',
        params: expect.objectContaining({ payment_method: setup.paymentMethodId, customer: customerId, confirm: 'true' }),
      },
      { method: 'POST', path: `/v1/payment_methods/${setup.paymentMethodId}/detach`, idempotencyKey: expect.any(String), params: {} },
    ]);
    expect(stripe.paymentMethods.get(setup.paymentMethodId)?.customer).toBeNull();
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
