import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentStatusDocument, RefundPaymentDocument } from './generated/graphql.js';
import { ok } from './support/client.js';
import { FakeStripe } from './support/fake-stripe.js';
import { buy, listed, orderReaches, seller } from './support/marketplace.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

// The whole checkout with STRIPE_SECRET_KEY set: the real Stripe SDK in the payments subgraph,
// talking to a local server that speaks Stripe's API (the real network is never touched).
let t: TestStack;
const stripe = new FakeStripe();
beforeAll(async () => {
  await stripe.start();
  t = await startTestStack({ STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_API_BASE: stripe.url, STRIPE_RETURN_URL: 'https://shop.example/payments/return' });
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
    expect(payment).toMatchObject({ status: 'SUCCEEDED', provider: 'stripe', amount: 2500, currency: 'usd', clientSecret: expect.stringMatching(/^pi_.+_secret_/) });
    const charges = stripe.received.filter((r) => r.path === '/v1/payment_intents' && r.params['metadata[orderId]'] === paid.id);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ status: 200, idempotencyKey: `peerlink-order-${paid.id}`, params: expect.objectContaining({ amount: '2500', payment_method: 'pm_card_visa', confirm: 'true' }) });

    const declined = (await buy(t, buyer, lamp.id, 'pm_card_chargeDeclined')).orders[0]!;
    await orderReaches(t, buyer, declined.id, 'PAYMENT_FAILED');
    expect((await ok(t.url, PaymentStatusDocument, { orderId: declined.id }, buyer.token)).paymentStatus).toMatchObject({ status: 'FAILED', failureReason: 'Your card was declined.' });

    const refunded = await ok(t.url, RefundPaymentDocument, { input: { paymentId: payment.id, amount: 1000, reason: 'Scratched' } }, owner.token);
    expect(refunded.refundPayment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 1000 });
    expect(stripe.received.filter((r) => r.path === '/v1/refunds').map((r) => [r.status, r.params.amount])).toEqual([[200, '1000']]);
  });
});
