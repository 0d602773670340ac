import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PlanTermsRefused,
  RefundRefused,
  SubscriptionGone,
  type PaymentProvider,
  type PaymentRequest,
  type PlanTerms,
  type SetupRequest,
  type SubscriptionRequest,
} from '#src/provider';
import { SandboxPayments } from '#src/sandbox/sandbox-provider';
import { createStripeClient } from '#src/stripe/stripe-client';
import { billingEventOf } from '#src/stripe/stripe-billing';
import { outcomeOf, StripePayments } from '#src/stripe/stripe-provider';
import type Stripe from 'stripe';
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
        provider: new StripePayments({
          stripe: createStripeClient({ secretKey: stripe.secretKey, apiBase: stripe.url }),
          returnUrl,
        }),
        paymentsMade: () =>
          stripe.received.filter((r) => r.path === '/v1/payment_intents' && r.status < 500 && !r.replayed).length,
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
    expect(payment).toEqual({
      status: 'SUCCEEDED',
      providerPaymentId: expect.stringMatching(/^pi_/),
      clientSecret: expect.any(String),
    });
    expect(payment.clientSecret.startsWith(`${payment.providerPaymentId}_secret_`)).toBe(true);
  });

  it('reports a declined card as FAILED in Stripe’s words, with the payment it left', async () => {
    const payment = await provider.confirmPayment(charge('pm_card_chargeDeclined'));
    expect(payment).toMatchObject({
      status: 'FAILED',
      failureReason: 'Your card was declined.',
      providerPaymentId: expect.stringMatching(/^pi_/),
    });
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
    expect(payment).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringMatching(/^No such payment ?method/i),
    });
  });

  it('fails an amount below the smallest charge (50 cents in dollars), and charges it in a currency without that floor', async () => {
    expect(await provider.confirmPayment(charge('pm_card_visa', { amount: 49 }))).toMatchObject({
      status: 'FAILED',
      failureReason: 'Amount must be at least $0.50 usd',
    });
    expect((await provider.confirmPayment(charge('pm_card_visa', { amount: 50 }))).status).toBe('SUCCEEDED');
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
    await expect(provider.confirmPayment({ ...request, metadata: { orderId: 'another-order' } })).rejects.toThrow(
      /same parameters/,
    );
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
    await expect(provider.refund(refundOf(providerPaymentId, 2000))).resolves.toEqual({
      providerRefundId: expect.stringMatching(/^re_/),
    });
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

  const setup = (
    paymentMethodId: string | undefined,
    customer = customerId,
    idempotencyKey = `contract-setup-${++keys}`,
  ): SetupRequest => ({
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
    expect(result).toEqual({
      status: 'SUCCEEDED',
      paymentMethodId: expect.stringMatching(/^pm_/),
      card,
      providerSetupId: expect.stringMatching(/^seti_/),
      clientSecret: expect.stringMatching(/_secret_/),
    });
    expect(result.paymentMethodId).not.toBe('pm_card_visa');
    expect(await provider.cardOf(result.paymentMethodId)).toEqual(card);
    expect((await saved('pm_card_mastercard')).card).toMatchObject({ brand: 'mastercard', last4: '4444' });
  });

  it('charges a saved card with its own customer only', async () => {
    const { paymentMethodId } = await saved();
    const { customerId: someoneElse } = await provider.createCustomer(`user-${++keys}`);
    expect(await provider.confirmPayment(charge(paymentMethodId, { customerId }))).toMatchObject({
      status: 'SUCCEEDED',
    });
    expect(await provider.confirmPayment(charge(paymentMethodId, { customerId: someoneElse }))).toMatchObject({
      status: 'FAILED',
    });
    expect(await provider.confirmPayment(charge(paymentMethodId))).toMatchObject({ status: 'FAILED' });
  });

  it('saves pm_card_chargeCustomerFail, then declines its charges', async () => {
    const { paymentMethodId } = await saved('pm_card_chargeCustomerFail');
    expect(await provider.confirmPayment(charge(paymentMethodId, { customerId }))).toMatchObject({
      status: 'FAILED',
      failureReason: 'Your card was declined.',
    });
  });

  it('refuses to save a declined card, or one it does not know', async () => {
    expect(await provider.setupPaymentMethod(setup('pm_card_chargeDeclined'))).toMatchObject({
      status: 'FAILED',
      failureReason: 'Your card was declined.',
    });
    expect(await provider.setupPaymentMethod(setup('pm_123'))).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringMatching(/^No such PaymentMethod/),
    });
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
    expect(result).toEqual({
      status: 'REQUIRES_PAYMENT_METHOD',
      providerSetupId: expect.stringMatching(/^seti_/),
      clientSecret: expect.any(String),
    });
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

describe.each(adapters)('PaymentProvider contract, plans: $name', ({ open }) => {
  let provider: PaymentProvider;
  let close: () => Promise<void>;
  let customerId: string;
  const terms = (): PlanTerms => ({
    planId: `0195f000-0000-7000-8000-${String(++keys).padStart(12, '0')}`,
    name: 'PeerLink Plus',
    amount: 999,
    currency: 'usd',
    interval: 'MONTH',
  });

  beforeEach(async () => {
    ({ provider, close } = await open());
    ({ customerId } = await provider.createCustomer(`user-${++keys}`));
  });
  afterEach(() => close());

  const card = async (testId = 'pm_card_visa', customer = customerId) => {
    const result = await provider.setupPaymentMethod({
      customerId: customer,
      paymentMethodId: testId,
      idempotencyKey: `contract-setup-${++keys}`,
      metadata: {},
    });
    if (result.status !== 'SUCCEEDED') throw new Error(`${testId} was not saved`);
    return result.paymentMethodId;
  };
  const subscription = async (
    paymentMethodId: string,
    plan = terms(),
    idempotencyKey = `contract-subscription-${++keys}`,
  ): Promise<SubscriptionRequest> => ({
    customerId,
    providerPriceId: (await provider.createPlanPrice(plan)).providerPriceId,
    plan,
    paymentMethodId,
    idempotencyKey,
    metadata: { planId: plan.planId },
  });

  it('makes one price per plan, however often asked', async () => {
    const plan = terms();
    const { providerPriceId } = await provider.createPlanPrice(plan);
    expect(providerPriceId).toMatch(/^price_/);
    expect(await provider.createPlanPrice(plan)).toEqual({ providerPriceId });
    expect((await provider.createPlanPrice(terms())).providerPriceId).not.toBe(providerPriceId);
  });

  it('starts a subscription paid for a month, once per key', async () => {
    const request = await subscription(await card());
    const started = await provider.createSubscription(request);
    expect(started).toEqual({
      status: 'ACTIVE',
      providerSubscriptionId: expect.stringMatching(/^sub_/),
      currentPeriodEnd: expect.any(Date),
    });
    if (started.status !== 'ACTIVE') return;
    const days = (started.currentPeriodEnd.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(27);
    expect(days).toBeLessThan(32);
    expect(await provider.createSubscription({ ...request, metadata: { ...request.metadata } })).toEqual(started);
  });

  it('starts nothing when the first payment is declined, or with a card not the customer’s', async () => {
    expect(await provider.createSubscription(await subscription(await card('pm_card_chargeCustomerFail')))).toEqual({
      status: 'FAILED',
      failureReason: 'Your card was declined.',
    });
    const { customerId: someoneElse } = await provider.createCustomer(`user-${++keys}`);
    expect(
      await provider.createSubscription(await subscription(await card('pm_card_visa', someoneElse))),
    ).toMatchObject({ status: 'FAILED' });
  });

  it('cancels at the period’s end, harmlessly twice; an unknown subscription is an error', async () => {
    const started = await provider.createSubscription(await subscription(await card()));
    if (started.status !== 'ACTIVE') throw new Error(started.status);
    await provider.cancelAtPeriodEnd(started.providerSubscriptionId);
    await provider.cancelAtPeriodEnd(started.providerSubscriptionId);
    await expect(provider.cancelAtPeriodEnd('sub_unknown')).rejects.toThrow(SubscriptionGone);
  });

  it('refuses a currency it does not take, naming the field', async () => {
    const refused = provider.createPlanPrice({ ...terms(), currency: 'xyz' });
    await expect(refused).rejects.toThrow(PlanTermsRefused);
    await expect(refused).rejects.toMatchObject({ field: 'currency', message: expect.stringMatching(/currency/i) });
    expect((await provider.createPlanPrice({ ...terms(), currency: 'eur' })).providerPriceId).toMatch(/^price_/);
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
  const stripeProvider = () =>
    new StripePayments({ stripe: createStripeClient({ secretKey: stripe.secretKey, apiBase: stripe.url }), returnUrl });

  it('sends our idempotency key as Stripe’s, for cards only, confirmed at once, with our metadata', async () => {
    const provider = stripeProvider();
    const request = charge('pm_card_visa', { metadata: { orderId: 'order-x', buyerId: 'buyer-x' } });
    const { providerPaymentId } = await provider.confirmPayment(request);
    await provider.refund({
      providerPaymentId,
      amount: 700,
      idempotencyKey: 'refund-key',
      metadata: { reason: 'damaged' },
    });

    expect(
      stripe.received.map(({ method, path, idempotencyKey, params }) => ({ method, path, idempotencyKey, params })),
    ).toEqual([
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
      {
        method: 'POST',
        path: '/v1/refunds',
        idempotencyKey: 'refund-key',
        params: { payment_intent: providerPaymentId, amount: '700', 'metadata[reason]': 'damaged' },
      },
    ]);
  });

  it('saves cards through a Customer made once per user and an off-session SetupIntent, and charges them with the customer', async () => {
    const provider = stripeProvider();
    const { customerId } = await provider.createCustomer('User-A');
    const setup = await provider.setupPaymentMethod({
      customerId,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: 'setup-key',
      metadata: { userId: 'user-a' },
    });
    if (setup.status !== 'SUCCEEDED') throw new Error(setup.status);
    await provider.confirmPayment(
      charge(setup.paymentMethodId, { customerId, idempotencyKey: 'pay-key', metadata: {} }),
    );
    await provider.detachPaymentMethod(setup.paymentMethodId);

    expect(
      stripe.received.map(({ method, path, idempotencyKey, params }) => ({ method, path, idempotencyKey, params })),
    ).toEqual([
      {
        method: 'POST',
        path: '/v1/customers',
        idempotencyKey: 'peerlink-customer-user-a',
        params: { 'metadata[userId]': 'User-A' },
      },
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
        params: expect.objectContaining({
          payment_method: setup.paymentMethodId,
          customer: customerId,
          confirm: 'true',
        }),
      },
      {
        method: 'POST',
        path: `/v1/payment_methods/${setup.paymentMethodId}/detach`,
        idempotencyKey: expect.any(String),
        params: {},
      },
    ]);
    expect(stripe.paymentMethods.get(setup.paymentMethodId)?.customer).toBeNull();
  });

  it('makes a Product and a recurring Price per plan, and subscriptions paid at once with the saved card, off-session', async () => {
    const provider = stripeProvider();
    const plan: PlanTerms = {
      planId: 'plan-1',
      name: 'PeerLink Plus',
      amount: 4999,
      currency: 'eur',
      interval: 'YEAR',
    };
    const { providerPriceId } = await provider.createPlanPrice(plan);
    const { customerId } = await provider.createCustomer('user-b');
    const setup = await provider.setupPaymentMethod({
      customerId,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: 'setup-b',
      metadata: {},
    });
    if (setup.status !== 'SUCCEEDED') throw new Error(setup.status);
    const started = await provider.createSubscription({
      customerId,
      providerPriceId,
      plan,
      paymentMethodId: setup.paymentMethodId,
      idempotencyKey: 'subscribe-b',
      metadata: { planId: 'plan-1' },
    });
    if (started.status !== 'ACTIVE') throw new Error(started.status);
    await provider.cancelAtPeriodEnd(started.providerSubscriptionId);

    const calls = stripe.received
      .filter((r) => !/customers|setup_intents|payment_methods/.test(r.path))
      .map(({ method, path, idempotencyKey, params }) => ({ method, path, idempotencyKey, params }));
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/v1/products',
        idempotencyKey: 'peerlink-plan-plan-1-product',
        params: { name: 'PeerLink Plus', 'metadata[planId]': 'plan-1' },
      },
      {
        method: 'POST',
        path: '/v1/prices',
        idempotencyKey: 'peerlink-plan-plan-1-price',
        params: {
          product: expect.stringMatching(/^prod_/),
          unit_amount: '4999',
          currency: 'eur',
          'recurring[interval]': 'year',
          'metadata[planId]': 'plan-1',
        },
      },
      {
        method: 'POST',
        path: '/v1/subscriptions',
        idempotencyKey: 'subscribe-b',
        params: {
          customer: customerId,
          'items[0][price]': providerPriceId,
          default_payment_method: setup.paymentMethodId,
          payment_behavior: 'error_if_incomplete',
          off_session: 'true',
          'metadata[planId]': 'plan-1',
        },
      },
      {
        method: 'POST',
        path: `/v1/subscriptions/${started.providerSubscriptionId}`,
        idempotencyKey: expect.any(String),
        params: { cancel_at_period_end: 'true' },
      },
    ]);
    const years = (started.currentPeriodEnd.getTime() - Date.now()) / (365 * 86_400_000);
    expect(years).toBeGreaterThan(0.99);
    expect(years).toBeLessThan(1.01);
  });

  it('reads Stripe’s renewal, failure and cancellation events as billing events', async () => {
    const provider = stripeProvider();
    const plan: PlanTerms = { planId: 'plan-2', name: 'Plus', amount: 999, currency: 'usd', interval: 'MONTH' };
    const { customerId } = await provider.createCustomer('user-c');
    const setup = await provider.setupPaymentMethod({
      customerId,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: 'setup-c',
      metadata: {},
    });
    if (setup.status !== 'SUCCEEDED') throw new Error(setup.status);
    const { providerPriceId } = await provider.createPlanPrice(plan);
    const started = await provider.createSubscription({
      customerId,
      providerPriceId,
      plan,
      paymentMethodId: setup.paymentMethodId,
      idempotencyKey: 'subscribe-c',
      metadata: { planSubscriptionId: 'ours' },
    });
    const metadata = { planSubscriptionId: 'ours' };
    if (started.status !== 'ACTIVE') throw new Error(started.status);
    const id = started.providerSubscriptionId;
    const read = (events: { type: string }[]) => events.map((e) => billingEventOf(e as Stripe.Event));

    const [paid, updated, intent] = read(stripe.billing.renew(id));
    expect(paid).toEqual({ type: 'invoice.paid', providerSubscriptionId: id, periodEnd: expect.any(Date), metadata });
    expect((paid as { periodEnd: Date }).periodEnd.getTime()).toBeGreaterThan(started.currentPeriodEnd.getTime());
    expect(updated).toBeNull();
    expect(intent).toBeNull();

    await provider.detachPaymentMethod(setup.paymentMethodId);
    const [failed, pastDue] = read(stripe.billing.renew(id));
    expect(failed).toMatchObject({
      type: 'invoice.payment_failed',
      providerSubscriptionId: id,
      metadata,
      reason: expect.stringMatching(/renewal payment failed.*tries again/),
    });
    expect(pastDue).toBeNull();

    await provider.cancelAtPeriodEnd(id);
    expect(
      billingEventOf(
        stripe.event('customer.subscription.updated', stripe.billing.subscriptions.get(id)!) as unknown as Stripe.Event,
      ),
    ).toEqual({ type: 'subscription.cancelling', providerSubscriptionId: id, metadata });
    expect(read(stripe.billing.endPeriod(id))).toEqual([
      { type: 'subscription.ended', providerSubscriptionId: id, metadata },
    ]);
    expect(billingEventOf(stripe.event('charge.succeeded', { id: 'ch_1' }) as unknown as Stripe.Event)).toBeNull();
  });

  it('gives Stripe’s own 3-D Secure page as the action link', async () => {
    const provider = stripeProvider();
    const payment = await provider.confirmPayment(charge('pm_card_threeDSecure2Required'));
    const intent = stripe.paymentIntents.get(payment.providerPaymentId);
    expect(payment).toMatchObject({
      status: 'REQUIRES_ACTION',
      actionUrl: (intent!.next_action as { redirect_to_url: { url: string } }).redirect_to_url.url,
    });
  });

  it('throws, rather than failing the payment, when Stripe refuses the key', async () => {
    const provider = new StripePayments({
      stripe: createStripeClient({ secretKey: 'sk_test_wrong', apiBase: stripe.url }),
      returnUrl,
    });
    await expect(provider.confirmPayment(charge('pm_card_visa'))).rejects.toThrow(/Invalid API Key/);
    expect(stripe.paymentIntents.size).toBe(0);
  });
});

describe('outcomeOf (a Stripe PaymentIntent)', () => {
  const intent = { id: 'pi_1', next_action: null, last_payment_error: null };

  it('sends the buyer to our return page when Stripe asks for Stripe.js (use_stripe_sdk)', () => {
    const sdk = {
      ...intent,
      status: 'requires_action' as const,
      next_action: { type: 'use_stripe_sdk', use_stripe_sdk: {} },
    };
    expect(outcomeOf(sdk, returnUrl)).toEqual({
      status: 'REQUIRES_ACTION',
      actionUrl: `${returnUrl}?payment_intent=pi_1`,
    });
  });

  it('reads a failed attempt’s reason from the last payment error', () => {
    const failed = {
      ...intent,
      status: 'requires_payment_method' as const,
      last_payment_error: { type: 'card_error' as const, message: 'Your card has expired.' },
    };
    expect(outcomeOf(failed, returnUrl)).toEqual({ status: 'FAILED', failureReason: 'Your card has expired.' });
  });

  it('records a payment still processing as such, and throws for states automatic capture never reaches', () => {
    expect(outcomeOf({ ...intent, status: 'processing' }, returnUrl)).toEqual({ status: 'PROCESSING' });
    expect(() => outcomeOf({ ...intent, status: 'requires_capture' }, returnUrl)).toThrow(/pi_1.*requires_capture/);
  });
});
