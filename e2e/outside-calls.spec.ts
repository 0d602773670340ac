import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  CreatePlanDocument,
  PaymentStatusDocument,
  PlansDocument,
  RefundPaymentDocument,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { FakeStripe } from './support/fake-stripe.js';
import { buy, listed, orderReaches, seller } from './support/marketplace.js';
import { admin } from './support/plans.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

// Charges are claimed and committed before Stripe is asked, asked with a deadline, and recorded in a
// second transaction; the sweeper finishes what was left behind. Short settings, so a provider that
// holds its answers for longer than the redelivery wait (EVENT_ACK_WAIT_MS) is seen in seconds.
let t: TestStack;
const stripe = new FakeStripe();
const ACK_WAIT_MS = 1500;

beforeAll(async () => {
  await stripe.start();
  t = await startTestStack({
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_API_BASE: stripe.url,
    STRIPE_WEBHOOK_SECRET: 'whsec_test_peerlink',
    EVENT_ACK_WAIT_MS: String(ACK_WAIT_MS),
    OUTSIDE_CALL_DEADLINE_MS: '1000',
    STRIPE_TIMEOUT_MS: '400',
    OUTSIDE_CALL_SWEEP_MS: '200',
  });
});
afterAll(async () => {
  await t?.stop();
  await stripe.stop();
});

const chargesOf = (orderId: string) =>
  stripe.received.filter((r) => r.path === '/v1/payment_intents' && r.params['metadata[orderId]'] === orderId);
const intentsOf = (orderId: string) =>
  [...stripe.paymentIntents.values()].filter(
    (intent) => (intent.metadata as Record<string, string>).orderId === orderId,
  );

/**
 * Connections of the stack's database left open in a transaction for over a second: a provider call
 * inside one would keep one each for as long as the provider is held. (Any transaction is idle for a
 * moment between its statements, so a count without the second would catch ordinary work.)
 */
async function openTransactions(): Promise<number> {
  const db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like ` +
        `'idle in transaction%' and state_change < now() - interval '1 second'`,
    );
    return rows[0].n as number;
  } finally {
    await db.end();
  }
}

describe('outside calls', () => {
  it('charge once while Stripe holds its answers for longer than the redelivery wait, holding no transaction open meanwhile', async () => {
    const owner = await seller(t);
    const buyers = await Promise.all([1, 2, 3].map(() => signUp(t, 'buyer')));
    const lamp = await listed(t, owner, { priceAmount: 1500, stock: 20 });
    const release = stripe.holdAnswers('/v1/payment_intents');
    onTestFinished(release);
    const heldSince = Date.now();
    // Twelve orders: more than the eight handlers at once and the ten connections of payments' pool.
    const orders = (
      await Promise.all(
        buyers.map(async (buyer) => {
          const mine = [];
          for (let i = 0; i < 4; i++) mine.push({ buyer, id: (await buy(t, buyer, lamp.id)).orders[0]!.id });
          return mine;
        }),
      )
    ).flat();
    expect(orders).toHaveLength(12);

    // Every charge reached Stripe and is shown as PROCESSING; payments answers at once, and no
    // connection waits in a transaction for Stripe.
    await waitFor('every charge to reach Stripe', () => orders.every(({ id }) => chargesOf(id).length > 0));
    for (const { buyer, id } of orders) {
      const started = Date.now();
      const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId: id }, buyer.token);
      expect(paymentStatus.status).toBe('PROCESSING');
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(await openTransactions()).toBe(0);

    // Held past the redelivery wait: the sweeper has asked again, under the same key, for every order.
    await waitFor(
      'the sweeper to ask again past the redelivery wait',
      () => Date.now() - heldSince > 2 * ACK_WAIT_MS && orders.every(({ id }) => chargesOf(id).length >= 3),
      20_000,
    );
    expect(await openTransactions()).toBe(0);
    release();

    for (const { buyer, id } of orders) {
      await orderReaches(t, buyer, id, 'PAID', 20_000);
      expect((await ok(t.url, PaymentStatusDocument, { orderId: id }, buyer.token)).paymentStatus).toMatchObject({
        status: 'SUCCEEDED',
        provider: 'stripe',
      });
      // One charge: every request after the first was Stripe's saved answer under the same key.
      expect(intentsOf(id)).toHaveLength(1);
      expect(new Set(chargesOf(id).map((r) => r.idempotencyKey))).toEqual(new Set([`peerlink-order-${id}`]));
      expect(chargesOf(id).filter((r) => !r.replayed)).toHaveLength(1);
    }
  });

  it('finish a charge Stripe made but whose answer never arrived (as after a crash before recording), through the sweeper', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const vase = await listed(t, owner, { priceAmount: 2200 });
    // The first request and the SDK's one retry are both carried out and lost on the way back.
    stripe.dropAnswers('/v1/payment_intents', 2);
    onTestFinished(() => stripe.dropAnswers('/v1/payment_intents', 0));
    const orderId = (await buy(t, buyer, vase.id)).orders[0]!.id;
    await orderReaches(t, buyer, orderId, 'PAID', 20_000);
    expect(intentsOf(orderId)).toHaveLength(1);
    expect(chargesOf(orderId).length).toBeGreaterThanOrEqual(3);
    expect(chargesOf(orderId).filter((r) => !r.replayed)).toHaveLength(1);

    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId }, buyer.token);
      const { rows } = await db.query(`select state, attempts, result from payments.outside_calls where key = $1`, [
        `charge:${paymentStatus.id}`,
      ]);
      expect(rows).toEqual([
        {
          state: 'done',
          attempts: expect.any(Number),
          result: { status: 'SUCCEEDED', providerPaymentId: intentsOf(orderId)[0]!.id },
        },
      ]);
      expect(rows[0].attempts).toBeGreaterThan(1);
    } finally {
      await db.end();
    }
  });

  it('answer a refund Stripe holds past the deadline with SERVICE_UNAVAILABLE, record it once when Stripe answers, and give it to a retry with the same key', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const rug = await listed(t, owner, { priceAmount: 5000 });
    const orderId = (await buy(t, buyer, rug.id)).orders[0]!.id;
    await orderReaches(t, buyer, orderId, 'PAID', 20_000);
    const { paymentStatus: payment } = await ok(t.url, PaymentStatusDocument, { orderId }, buyer.token);
    const refund = { input: { paymentId: payment.id, amount: 2000, reason: 'Frayed', idempotencyKey: 'fray' } };

    const release = stripe.holdAnswers('/v1/refunds');
    onTestFinished(release);
    expect(await codes(t.url, RefundPaymentDocument, refund, owner.token)).toEqual(['SERVICE_UNAVAILABLE']);
    // Claimed, not given: what is left counts it, so a second refund cannot take the same money.
    expect(
      await codes(
        t.url,
        RefundPaymentDocument,
        { input: { paymentId: payment.id, amount: 3001, reason: 'More' } },
        owner.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await openTransactions()).toBe(0);
    release();

    await waitFor(
      'the sweeper to record the refund',
      async () =>
        (await ok(t.url, PaymentStatusDocument, { orderId }, buyer.token)).paymentStatus.refundedAmount === 2000,
      20_000,
    );
    expect((await ok(t.url, RefundPaymentDocument, refund, owner.token)).refundPayment).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: 2000,
    });
    const asked = stripe.received.filter(
      (r) => r.path === '/v1/refunds' && r.params['metadata[paymentId]'] === payment.id,
    );
    expect(asked.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(asked.map((r) => r.idempotencyKey))).toEqual(new Set([`peerlink-refund-${payment.id}-user:fray`]));
  });

  it('make a plan’s price after the plan commits: held past the deadline, the plan is answered not yet priced and off sale, then priced once by the sweeper', async () => {
    const boss = await admin(t);
    const name = `Held ${Date.now().toString(36)}`;
    const release = stripe.holdAnswers('/v1/prices');
    onTestFinished(release);
    const { createPlan: plan } = await ok(
      t.url,
      CreatePlanDocument,
      { input: { name, amount: 700, currency: 'usd', interval: 'MONTH' } },
      boss.token,
    );
    expect(plan).toMatchObject({ name, priced: false, active: true });
    expect((await ok(t.url, PlansDocument, {})).plans.map((p) => p.id)).not.toContain(plan.id);
    expect(await openTransactions()).toBe(0);
    // The name is taken while its price is being made.
    expect(
      await codes(
        t.url,
        CreatePlanDocument,
        { input: { name, amount: 700, currency: 'usd', interval: 'MONTH' } },
        boss.token,
      ),
    ).toEqual(['CONFLICT']);
    release();

    await waitFor(
      'the sweeper to price the plan',
      async () => (await ok(t.url, PlansDocument, {})).plans.some((p) => p.id === plan.id && p.priced),
      20_000,
    );
    const asked = stripe.received.filter((r) => r.path === '/v1/prices' && r.params['metadata[planId]'] === plan.id);
    expect(asked.filter((r) => !r.replayed)).toHaveLength(1);
    expect(
      [...stripe.billing.prices.values()].filter((p) => (p.metadata as Record<string, string>).planId === plan.id),
    ).toHaveLength(1);
  });
});
