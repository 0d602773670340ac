import { randomUUID } from 'node:crypto';
import { subgraphs } from '@peerlink/launcher/subgraphs';
import { startSubgraph } from '@peerlink/platform/graphql/start-subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  CancelPlanSubscriptionDocument,
  CreatePlanDocument,
  MyPlanSubscriptionsDocument,
  OrderDocument,
  OrderUpdatedDocument,
  PaymentMethodsDocument,
  PaymentUpdatedDocument,
  PaymentStatusDocument,
  PlanSubscriptionDocument,
  RefundPaymentDocument,
  RemovePaymentMethodDocument,
  SubscribeToPlanDocument,
} from './generated/graphql.js';
import { codes, ok, request, Subscription, wsClient } from './support/client.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import type { PaymentsServices } from '@peerlink/payments';
import Stripe from 'stripe';
import { FakeStripe, type StripeEvent } from './support/fake-stripe.js';
import { buy, listed, orderReaches, seller, stockOf } from './support/marketplace.js';
import { addCard, savedCard } from './support/payment-methods.js';
import { admin, plan, subscribe } from './support/plans.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

// The whole checkout with STRIPE_SECRET_KEY set: the real Stripe SDK in the payments subgraph,
// talking to a local server that speaks Stripe's API (the real network is never touched).
let t: TestStack;
const stripe = new FakeStripe();
const WEBHOOK_SECRET = 'whsec_test_peerlink';

/** Delivers an event to the gateway's /webhooks/stripe as Stripe does, signed with the SDK's own test helper. */
async function deliver(event: StripeEvent, secret = WEBHOOK_SECRET) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  const response = await fetch(new URL('/webhooks/stripe', t.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  return {
    status: response.status,
    body: (await response.json()) as { received?: boolean; duplicate?: boolean; error?: string },
  };
}

/** Stripe's own PaymentIntent event for an invoice: it names no order, so it is acknowledged and changes nothing. */
async function deliverIntent(event: StripeEvent) {
  expect(await deliver(event)).toMatchObject({ status: 200, body: { received: true } });
}

const intentOf = (orderId: string) =>
  [...stripe.paymentIntents.values()].find(
    (intent) => (intent.metadata as Record<string, string>).orderId === orderId,
  )!;
beforeAll(async () => {
  await stripe.start();
  t = await startTestStack({
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_API_BASE: stripe.url,
    STRIPE_RETURN_URL: 'https://shop.example/payments/return',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
});
afterAll(async () => {
  await t?.stop();
  await stripe.stop();
});

describe('checkout through Stripe', () => {
  it('charges once per order with an idempotency key, records declines, and refunds through Stripe', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const lamp = await listed(t, owner, { priceAmount: 2500, stock: 3 });

    const paid = (await buy(t, buyer, lamp.id, 'pm_card_visa')).orders[0]!;
    await orderReaches(t, buyer, paid.id, 'PAID');
    const { paymentStatus: payment } = await ok(t.url, PaymentStatusDocument, { orderId: paid.id }, buyer.token);
    expect(payment).toMatchObject({
      status: 'SUCCEEDED',
      provider: 'stripe',
      amount: 2500,
      currency: 'usd',
      clientSecret: expect.stringMatching(/^pi_.+_secret_/),
    });
    const charges = stripe.received.filter(
      (r) => r.path === '/v1/payment_intents' && r.params['metadata[orderId]'] === paid.id,
    );
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({
      status: 200,
      idempotencyKey: `peerlink-order-${paid.id}`,
      params: expect.objectContaining({ amount: '2500', payment_method: 'pm_card_visa', confirm: 'true' }),
    });

    const declined = (await buy(t, buyer, lamp.id, 'pm_card_chargeDeclined')).orders[0]!;
    await orderReaches(t, buyer, declined.id, 'PAYMENT_FAILED');
    expect((await ok(t.url, PaymentStatusDocument, { orderId: declined.id }, buyer.token)).paymentStatus).toMatchObject(
      { status: 'FAILED', failureReason: 'Your card was declined.' },
    );

    const refunded = await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: payment.id, amount: 1000, reason: 'Scratched' } },
      owner.token,
    );
    expect(refunded.refundPayment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 1000 });
    expect(stripe.received.filter((r) => r.path === '/v1/refunds').map((r) => [r.status, r.params.amount])).toEqual([
      [200, '1000'],
    ]);
  });
});

describe('Stripe webhooks', () => {
  it('finish 3-D Secure payments, once per event, whatever the order, and only when signed', async () => {
    const [owner, buyer, outsider] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'outsider')]);
    const vase = await listed(t, owner, { priceAmount: 3100, stock: 5 });
    const waiting = async () => {
      const order = (await buy(t, buyer, vase.id, 'pm_card_threeDSecure2Required')).orders[0]!;
      const payment = await waitFor('the payment to need action', async () => {
        // PROCESSING while the charge is claimed and Stripe not yet answered.
        const found = (await request(t.url, PaymentStatusDocument, { orderId: order.id }, { token: buyer.token })).data
          ?.paymentStatus;
        return found?.status === 'PROCESSING' ? null : found;
      });
      expect(payment).toMatchObject({ status: 'REQUIRES_ACTION', actionUrl: expect.stringMatching(/^https?:\/\//) });
      return order;
    };

    // Authenticated: PAID, which buyer and seller see live. The same delivery again, and a stale
    // failure after it, change nothing.
    const passed = await waiting();
    const watchers = [buyer, owner].map((who) => {
      const client = wsClient(t.url, who.token);
      return {
        client,
        subscription: new Subscription(client, OrderUpdatedDocument, { orderId: passed.id }),
        payment: new Subscription(client, PaymentUpdatedDocument, { orderId: passed.id }),
      };
    });
    const outsiderClient = wsClient(t.url, outsider.token);
    const outsiderWatch = new Subscription(outsiderClient, PaymentUpdatedDocument, { orderId: passed.id });
    await waitFor(
      'every subscription',
      () =>
        t.stack.gateway.live.subscriptionsOf(buyer.id) > 1 &&
        t.stack.gateway.live.subscriptionsOf(owner.id) > 1 &&
        t.stack.gateway.live.subscriptionsOf(outsider.id) > 0,
    );
    const succeeded = stripe.authenticate(intentOf(passed.id).id, true);
    expect(await deliver(succeeded)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    await orderReaches(t, buyer, passed.id, 'PAID');
    for (const { subscription } of watchers) {
      const update = await waitFor('the PAID update', () =>
        subscription.results.find((r) => r.data?.orderUpdated!.status === 'PAID'),
      );
      expect(update.data?.orderUpdated).toMatchObject({
        seller: { id: owner.id, displayName: owner.displayName },
        items: [{ product: { id: vase.id, title: vase.title } }],
      });
    }
    // The payment itself, live too: its client secret for the buyer alone.
    const [buyerSees, sellerSees] = await Promise.all(
      watchers.map((w) =>
        waitFor('the payment update', () =>
          w.payment.results.find((r) => r.data?.paymentUpdated!.status === 'SUCCEEDED'),
        ),
      ),
    );
    expect(buyerSees.data?.paymentUpdated).toMatchObject({
      order: { id: passed.id },
      clientSecret: expect.stringMatching(/_secret_/),
    });
    expect(sellerSees.data?.paymentUpdated!.clientSecret).toBeNull();
    // Both parties have had the update, so the outsider would have too: they get nothing.
    expect(outsiderWatch.results).toEqual([]);
    await Promise.all([...watchers.map((w) => w.client.dispose()), outsiderClient.dispose()]);
    expect(await deliver(succeeded)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect((await deliver(stripe.event('payment_intent.payment_failed', intentOf(passed.id)))).status).toBe(200);
    expect((await ok(t.url, PaymentStatusDocument, { orderId: passed.id }, buyer.token)).paymentStatus.status).toBe(
      'SUCCEEDED',
    );

    // Authentication failed: PAYMENT_FAILED, with Stripe's reason, and the stock is back.
    const failed = await waiting();
    expect((await deliver(stripe.authenticate(intentOf(failed.id).id, false))).status).toBe(200);
    await orderReaches(t, buyer, failed.id, 'PAYMENT_FAILED');
    expect(
      (await ok(t.url, PaymentStatusDocument, { orderId: failed.id }, buyer.token)).paymentStatus.failureReason,
    ).toMatch(/failed authentication/);

    // Authenticated after the buyer gave up and cancelled: the money taken goes straight back.
    const abandoned = await waiting();
    await ok(t.url, CancelOrderDocument, { id: abandoned.id }, buyer.token);
    expect((await deliver(stripe.authenticate(intentOf(abandoned.id).id, true))).status).toBe(200);
    const returned = await waitFor('the unwanted payment to be refunded', async () => {
      const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId: abandoned.id }, buyer.token);
      return paymentStatus.status === 'REFUNDED' ? paymentStatus : null;
    });
    expect(returned.refundedAmount).toBe(3100);
    expect((await ok(t.url, OrderDocument, { id: abandoned.id }, buyer.token)).order.status).toBe('CANCELLED');
    expect(
      stripe.received
        .filter((r) => r.path === '/v1/refunds' && r.params.payment_intent === intentOf(abandoned.id).id)
        .map((r) => r.status),
    ).toEqual([200]);

    // Unsigned, wrongly signed or about an order's payment not stored yet: refused, or left for Stripe to retry.
    const forged = stripe.event('payment_intent.succeeded', {
      id: 'pi_forged',
      object: 'payment_intent',
      status: 'succeeded',
      metadata: { orderId: passed.id },
    });
    expect((await deliver(forged, 'whsec_someone_else')).status).toBe(400);
    const unsigned = await fetch(new URL('/webhooks/stripe', t.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    expect(unsigned.status).toBe(400);
    expect((await deliver(forged)).status).toBe(500);
    // A PaymentIntent Stripe made itself (a plan invoice's) names no order: acknowledged, changing nothing.
    const invoicePayment = stripe.event('payment_intent.succeeded', {
      id: 'pi_invoice',
      object: 'payment_intent',
      status: 'succeeded',
      metadata: {},
    });
    expect(await deliver(invoicePayment)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(await stockOf(t, vase.id, buyer)).toBe(4);
  });
});

describe('saved cards through Stripe', () => {
  it('saves a card to the buyer’s one Customer, charges it with that Customer, and detaches it on removal', async () => {
    const [owner, buyer, outsider] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'outsider')]);
    const card = await savedCard(t, buyer);
    await savedCard(t, buyer, 'pm_card_mastercard');
    const customers = stripe.received.filter(
      (r) => r.path === '/v1/customers' && r.params['metadata[userId]'] === buyer.id,
    );
    expect(customers.map((r) => r.idempotencyKey)).toEqual([`peerlink-customer-${buyer.id}`]);
    const customerId = [...stripe.customers.values()].find(
      (c) => (c.metadata as Record<string, string>).userId === buyer.id,
    )!.id as string;
    const attached = [...stripe.paymentMethods.values()].filter((m) => m.customer === customerId);
    expect(attached.map((m) => m.testId).sort()).toEqual(['pm_card_mastercard', 'pm_card_visa']);
    const stripeCard = attached.find((m) => m.testId === 'pm_card_visa')!;

    const lamp = await listed(t, owner, { priceAmount: 4200, stock: 5 });
    const paid = (await buy(t, buyer, lamp.id, card.id)).orders[0]!;
    await orderReaches(t, buyer, paid.id, 'PAID');
    expect(intentOf(paid.id)).toMatchObject({
      payment_method: stripeCard.id,
      customer: customerId,
      status: 'succeeded',
    });

    // Someone else naming the card (our id or Stripe's) never reaches Stripe.
    for (const id of [card.id, stripeCard.id]) {
      const stolen = (await buy(t, outsider, lamp.id, id)).orders[0]!;
      await orderReaches(t, outsider, stolen.id, 'PAYMENT_FAILED');
      expect(stripe.received.filter((r) => r.params['metadata[orderId]'] === stolen.id)).toEqual([]);
    }

    expect((await ok(t.url, RemovePaymentMethodDocument, { id: card.id }, buyer.token)).removePaymentMethod).toBe(
      card.id,
    );
    expect(stripe.paymentMethods.get(stripeCard.id)).toMatchObject({ customer: null, detached: true });
    expect((await ok(t.url, PaymentMethodsDocument, {}, buyer.token)).paymentMethods.map((m) => m.brand)).toEqual([
      'mastercard',
    ]);
  });

  it('finishes a 3-D Secure setup from Stripe’s webhook, once, and records a failed one', async () => {
    const buyer = await signUp(t, 'buyer');
    const setup = await addCard(t, buyer, 'pm_card_threeDSecure2Required');
    expect(setup).toMatchObject({
      status: 'REQUIRES_ACTION',
      actionUrl: expect.stringMatching(/3d_secure_2\/hosted\?setup_intent=seti_/),
      paymentMethod: null,
    });
    const intentId = new URL(setup.actionUrl!).searchParams.get('setup_intent')!;
    const succeeded = stripe.authenticateSetup(intentId, true);
    expect(await deliver(succeeded)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(await deliver(succeeded)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    // A late failure for the same setup (another event id) changes nothing.
    expect(
      (
        await deliver(
          stripe.event('setup_intent.setup_failed', {
            ...stripe.setupIntents.get(intentId)!,
            last_setup_error: { message: 'late' },
          }),
        )
      ).status,
    ).toBe(200);
    const [saved] = (await ok(t.url, PaymentMethodsDocument, {}, buyer.token)).paymentMethods;
    expect(saved).toMatchObject({ brand: 'visa', last4: '3220', isDefault: true });

    const failing = await addCard(t, buyer, 'pm_card_threeDSecure2Required');
    expect(
      (await deliver(stripe.authenticateSetup(new URL(failing.actionUrl!).searchParams.get('setup_intent')!, false)))
        .status,
    ).toBe(200);
    expect((await ok(t.url, PaymentMethodsDocument, {}, buyer.token)).paymentMethods).toEqual([saved]);
  });
});

describe('plans through Stripe Billing', () => {
  it('subscribes with a saved card, then follows Stripe’s renewals, failures and cancellation, whatever their order and however often delivered', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'subscriber')]);
    const plus = await plan(t, boss, { amount: 1500, interval: 'MONTH' });
    const price = [...stripe.billing.prices.values()].find(
      (p) => (p.metadata as Record<string, string>).planId === plus.id,
    )!;
    expect(price).toMatchObject({ unit_amount: 1500, currency: 'usd', recurring: { interval: 'month' } });
    const card = await savedCard(t, user);

    const started = await subscribe(t, user, plus.id, card.id);
    expect(started).toMatchObject({ status: 'ACTIVE', cancelAtPeriodEnd: false });
    const stripeSubscription = [...stripe.billing.subscriptions.values()].find(
      (s) => (s.metadata as Record<string, string>).planId === plus.id,
    )!;
    expect(stripeSubscription.status).toBe('active');
    expect(stripe.paymentMethods.get(stripeSubscription.default_payment_method!)).toMatchObject({
      testId: 'pm_card_visa',
      customer: stripeSubscription.customer,
    });
    expect(stripeSubscription.metadata).toEqual({ userId: user.id, planId: plus.id, planSubscriptionId: started.id });
    const id = stripeSubscription.id;
    const current = async () =>
      (await ok(t.url, PlanSubscriptionDocument, { id: started.id }, user.token)).planSubscription;
    const end = (s: { currentPeriodEnd: string | null }) => new Date(s.currentPeriodEnd!).getTime();
    // The first invoice's news, late: nothing moves.
    const [createdPaid, createdIntent] = stripe.billing.started.get(id)!;
    expect((await deliver(createdPaid!)).status).toBe(200);
    await deliverIntent(createdIntent!);
    expect(await current()).toEqual(started);

    // Two renewals, delivered newest first, each twice: the period ends up at the later one's end.
    const [firstPaid, firstUpdated, firstIntent] = stripe.billing.renew(id);
    const [secondPaid, secondUpdated, secondIntent] = stripe.billing.renew(id);
    for (const event of [secondUpdated!, secondPaid!, firstPaid!, firstUpdated!, secondPaid!])
      expect((await deliver(event)).status).toBe(200);
    for (const intent of [firstIntent!, secondIntent!]) await deliverIntent(intent);
    const renewed = await current();
    expect(renewed).toMatchObject({ status: 'ACTIVE', latestPaymentFailure: null });
    expect(end(renewed)).toBe(
      (secondPaid!.data.object as { lines: { data: { period: { end: number } }[] } }).lines.data[0]!.period.end * 1000,
    );
    expect(end(renewed)).toBeGreaterThan(end(started));

    // The card is removed (Stripe forgets it as the default): the next renewal fails, PAST_DUE. An
    // older payment delivered late does not bring it back.
    await ok(t.url, RemovePaymentMethodDocument, { id: card.id }, user.token);
    const [failed] = stripe.billing.renew(id);
    expect(failed!.type).toBe('invoice.payment_failed');
    expect((await deliver(failed!)).status).toBe(200);
    expect((await deliver(stripe.event('invoice.paid', firstPaid!.data.object))).status).toBe(200);
    const pastDue = await current();
    expect(pastDue).toMatchObject({
      status: 'PAST_DUE',
      latestPaymentFailure: expect.stringMatching(/renewal payment failed/),
    });
    expect(end(pastDue)).toBe(end(renewed));

    // Cancelled: Stripe stops renewing; the subscription stays until Stripe ends it, then never moves again.
    const { cancelPlanSubscription } = await ok(t.url, CancelPlanSubscriptionDocument, { id: started.id }, user.token);
    expect(cancelPlanSubscription).toMatchObject({ status: 'PAST_DUE', cancelAtPeriodEnd: true });
    expect(stripe.billing.subscriptions.get(id)!.cancel_at_period_end).toBe(true);
    expect(
      (await deliver(stripe.event('customer.subscription.updated', stripe.billing.subscriptions.get(id)!))).status,
    ).toBe(200);
    const [deleted] = stripe.billing.endPeriod(id);
    expect(await deliver(deleted!)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(await deliver(deleted!)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    for (const late of [secondPaid!, secondUpdated!])
      expect((await deliver(stripe.event(late.type, late.data.object))).status).toBe(200);
    expect(await current()).toMatchObject({ status: 'CANCELLED', cancelAtPeriodEnd: true });
  });

  it('finishes a subscription whose answer from Stripe was lost, with the one Stripe subscription, by webhook or by retry', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'subscriber')]);
    const [plus, pro] = await Promise.all([plan(t, boss), plan(t, boss)]);
    const card = await savedCard(t, user);
    const attempt = (planId: string, idempotencyKey: string) =>
      codes(
        t.url,
        SubscribeToPlanDocument,
        { input: { planId, paymentMethodId: card.id, idempotencyKey } },
        user.token,
      );
    const mine = async () => (await ok(t.url, MyPlanSubscriptionsDocument, {}, user.token)).myPlanSubscriptions;
    const atStripe = (planSubscriptionId: string) =>
      [...stripe.billing.subscriptions.values()].filter(
        (s) => (s.metadata as Record<string, string>).planSubscriptionId === planSubscriptionId,
      );
    // Stripe starts the subscription, but its answer (and the SDK's one retry's) never arrives.
    const lose = () => stripe.dropAnswers('/v1/subscriptions', 2);

    // Found by Stripe's webhook: its first invoice names our row.
    lose();
    const key = randomUUID();
    // Stripe's silence reaches the subscriber as "try again", which with the same key is safe.
    expect(await attempt(plus.id, key)).toEqual(['SERVICE_UNAVAILABLE']);
    const [pending] = await mine();
    expect(pending).toMatchObject({ status: 'PENDING', currentPeriodEnd: null });
    const [made] = atStripe(pending!.id);
    expect(atStripe(pending!.id)).toHaveLength(1);
    expect((await deliver(stripe.billing.started.get(made!.id)![0]!)).status).toBe(200);
    const found = (await ok(t.url, PlanSubscriptionDocument, { id: pending!.id }, user.token)).planSubscription;
    expect(found).toMatchObject({ status: 'ACTIVE', currentPeriodEnd: expect.any(String) });
    expect(await subscribe(t, user, plus.id, card.id, key)).toEqual(found);

    // Finished by a retry with the same key: Stripe replays the subscription it made.
    lose();
    const again = randomUUID();
    expect(await attempt(pro.id, again)).toEqual(['SERVICE_UNAVAILABLE']);
    // Another key meanwhile finishes the pending one first, and so finds it live.
    expect(await attempt(pro.id, randomUUID())).toEqual(['CONFLICT']);
    const retried = await subscribe(t, user, pro.id, card.id, again);
    expect(retried).toMatchObject({ status: 'ACTIVE' });
    expect(atStripe(retried.id)).toHaveLength(1);
    const asked = stripe.received.filter(
      (r) => r.path === '/v1/subscriptions' && r.params['metadata[planSubscriptionId]'] === retried.id,
    );
    expect(asked.every((r) => r.idempotencyKey === `peerlink-plan-subscription-${retried.id}`)).toBe(true);
    expect(asked.filter((r) => !r.replayed)).toHaveLength(1);
    expect((await mine()).map((s) => s.status).sort()).toEqual(['ACTIVE', 'ACTIVE']);

    // Finished by payments' own sweep when neither the webhook nor a retry comes: a minute on, it asks again under the
    // same key.
    const max = await plan(t, boss);
    lose();
    expect(await attempt(max.id, randomUUID())).toEqual(['SERVICE_UNAVAILABLE']);
    const sweep = (t.stack.subgraphs.find((s) => s.name === 'payments')!.services as PaymentsServices)
      .planSubscriptions;
    expect(await sweep.finishStale(new Date())).toBe(0);
    expect(await sweep.finishStale(new Date(Date.now() + 61_000))).toBe(1);
    const swept = (await mine()).find((s) => s.plan.id === max.id)!;
    expect(swept).toMatchObject({ status: 'ACTIVE' });
    expect(atStripe(swept.id)).toHaveLength(1);
  });

  it('reads invoices in the older API version’s layout, and cancels what Stripe has already ended', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'subscriber')]);
    const plus = await plan(t, boss);
    const started = await subscribe(t, user, plus.id, (await savedCard(t, user)).id);
    const id = [...stripe.billing.subscriptions.values()].find(
      (s) => (s.metadata as Record<string, string>).planSubscriptionId === started.id,
    )!.id;
    const current = async () =>
      (await ok(t.url, PlanSubscriptionDocument, { id: started.id }, user.token)).planSubscription;

    // Before 2025-03-31 an invoice named its subscription at the top level; the renewal still lands.
    const [paid] = stripe.billing.renew(id);
    const { parent, ...invoice } = paid!.data.object as { parent: { subscription_details: { metadata: unknown } } };
    expect(
      (
        await deliver(
          stripe.event('invoice.paid', {
            ...invoice,
            subscription: id,
            subscription_details: { metadata: parent.subscription_details.metadata },
          }),
        )
      ).status,
    ).toBe(200);
    const renewed = await current();
    expect(new Date(renewed.currentPeriodEnd!).getTime()).toBeGreaterThan(
      new Date(started.currentPeriodEnd!).getTime(),
    );

    // Stripe ended it on its own; its word has not come yet. Cancelling says it is over.
    const [deleted] = stripe.billing.cancelNow(id);
    const { cancelPlanSubscription } = await ok(t.url, CancelPlanSubscriptionDocument, { id: started.id }, user.token);
    expect(cancelPlanSubscription).toMatchObject({ id: started.id, status: 'CANCELLED' });
    expect((await deliver(deleted!)).status).toBe(200);
    expect(await current()).toMatchObject({ status: 'CANCELLED', currentPeriodEnd: renewed.currentPeriodEnd });
  });

  it('makes one Stripe product when admins race with one name, and refuses a currency Stripe does not take as bad input', async () => {
    const boss = await admin(t);
    const name = `Race ${randomUUID().slice(0, 6)}`;
    const raced = await Promise.all(
      [name, name.toUpperCase(), name].map((n) =>
        codes(
          t.url,
          CreatePlanDocument,
          { input: { name: n, amount: 100, currency: 'usd', interval: 'MONTH' } },
          boss.token,
        ),
      ),
    );
    expect(raced.flat()).toEqual(['CONFLICT', 'CONFLICT']);
    expect(
      [...stripe.billing.products.values()].filter((p) => String(p.name).toLowerCase() === name.toLowerCase()),
    ).toHaveLength(1);
    const odd = `Odd ${randomUUID().slice(0, 6)}`;
    expect(
      await codes(
        t.url,
        CreatePlanDocument,
        { input: { name: odd, amount: 100, currency: 'xyz', interval: 'MONTH' } },
        boss.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    // The refused plan is gone, its name free again.
    const { createPlan } = await ok(
      t.url,
      CreatePlanDocument,
      { input: { name: odd, amount: 100, currency: 'usd', interval: 'MONTH' } },
      boss.token,
    );
    expect(createPlan).toMatchObject({ name: odd, priced: true });
  });
});

describe('reliability', () => {
  it('loses and double-charges nothing when payments is down while orders are placed', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const products = await Promise.all(
      Array.from({ length: 4 }, (_, i) => listed(t, owner, { priceAmount: 1000 + i, stock: 2 })),
    );

    // Payments goes away: its consumer stops where it was in JetStream, and its port closes.
    const index = t.stack.subgraphs.findIndex((s) => s.name === 'payments');
    const down = t.stack.subgraphs[index]!;
    await down.stop();
    const orders = [];
    for (const product of products) orders.push((await buy(t, buyer, product.id)).orders[0]!);
    for (const order of orders)
      expect((await ok(t.url, OrderDocument, { id: order.id }, buyer.token)).order.status).toBe('PENDING_PAYMENT');

    // It comes back on the same port; the orders placed meanwhile are waiting for it.
    const port = Number(new URL(down.url).port);
    const definition = subgraphs.find((s) => s.definition.name === 'payments')!.definition;
    t.stack.subgraphs[index] = await startSubgraph(
      definition,
      t.stack.infrastructure,
      t.stack.config.subgraphs.payments,
      { port, host: '127.0.0.1', migrateOnStart: false },
    );
    for (const order of orders) await orderReaches(t, buyer, order.id, 'PAID');

    for (const order of orders) {
      const charges = stripe.received.filter(
        (r) => r.path === '/v1/payment_intents' && r.params['metadata[orderId]'] === order.id && !r.replayed,
      );
      expect(charges.map((c) => c.status)).toEqual([200]);
      expect((await ok(t.url, PaymentStatusDocument, { orderId: order.id }, buyer.token)).paymentStatus.status).toBe(
        'SUCCEEDED',
      );
    }
  });
});
