import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddPaymentMethodDocument,
  CartDocument,
  ConsistencyAddCartItemDocument,
  ConsistencyCheckoutCartDocument,
  PaymentMethodsDocument,
  PaymentStatusDocument,
  PromoteProductDocument,
  RefundPaymentDocument,
  SubscribeToPlanDocument,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { ADDRESS, buy, listed, orderReaches, seller } from './support/marketplace.js';
import { savedCard } from './support/payment-methods.js';
import { admin, plan } from './support/plans.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

// An idempotency key stands for one request: the same key with other parameters is a CONFLICT
// (as Stripe answers idempotency_error), never the first request's result passed off as the second's.
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.stop());

describe('idempotency keys', () => {
  it('refund once per key, and refuse the key for another amount or reason', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const kettle = await listed(t, owner, { priceAmount: 4000 });
    const orderId = (await buy(t, buyer, kettle.id)).orders[0]!.id;
    await orderReaches(t, buyer, orderId, 'PAID');
    const { paymentStatus: payment } = await ok(t.url, PaymentStatusDocument, { orderId }, buyer.token);
    const refund = (amount: number, reason = 'Dented') => ({
      input: { paymentId: payment.id, amount, reason, idempotencyKey: 'dent' },
    });

    expect((await ok(t.url, RefundPaymentDocument, refund(100), owner.token)).refundPayment.refundedAmount).toBe(100);
    expect((await ok(t.url, RefundPaymentDocument, refund(100), owner.token)).refundPayment.refundedAmount).toBe(100);
    expect(await codes(t.url, RefundPaymentDocument, refund(700), owner.token)).toEqual(['CONFLICT']);
    expect(await codes(t.url, RefundPaymentDocument, refund(100, 'Scratched'), owner.token)).toEqual(['CONFLICT']);
    expect((await ok(t.url, PaymentStatusDocument, { orderId }, buyer.token)).paymentStatus.refundedAmount).toBe(100);
  });

  it('check out once per key, and refuse the key for another card, address or cart, leaving that cart as it was', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const [lamp, rug] = await Promise.all([listed(t, owner), listed(t, owner)]);
    const key = randomUUID();
    const checkout = (paymentMethodId: string, shippingAddress = ADDRESS) => ({
      input: { idempotencyKey: key, paymentMethodId, shippingAddress },
    });
    await ok(t.url, ConsistencyAddCartItemDocument, { productId: lamp.id, quantity: 1 }, buyer.token);
    const first = (await ok(t.url, ConsistencyCheckoutCartDocument, checkout('pm_card_visa'), buyer.token)).checkoutCart
      .orders;
    expect(first).toHaveLength(1);
    expect(
      (await ok(t.url, ConsistencyCheckoutCartDocument, checkout('pm_card_visa'), buyer.token)).checkoutCart.orders,
    ).toEqual(first);
    expect(await codes(t.url, ConsistencyCheckoutCartDocument, checkout('pm_card_mastercard'), buyer.token)).toEqual([
      'CONFLICT',
    ]);
    expect(
      await codes(
        t.url,
        ConsistencyCheckoutCartDocument,
        checkout('pm_card_visa', { ...ADDRESS, city: 'Paris', postalCode: '75001', country: 'FR' }),
        buyer.token,
      ),
    ).toEqual(['CONFLICT']);

    // A new cart under the old key is a new checkout: refused, and the cart is kept for a new key.
    await ok(t.url, ConsistencyAddCartItemDocument, { productId: rug.id, quantity: 1 }, buyer.token);
    expect(await codes(t.url, ConsistencyCheckoutCartDocument, checkout('pm_card_visa'), buyer.token)).toEqual([
      'CONFLICT',
    ]);
    expect((await ok(t.url, CartDocument, {}, buyer.token)).cart.lines.map((l) => l.product.id)).toEqual([rug.id]);
    const second = {
      input: { idempotencyKey: randomUUID(), paymentMethodId: 'pm_card_visa', shippingAddress: ADDRESS },
    };
    expect((await ok(t.url, ConsistencyCheckoutCartDocument, second, buyer.token)).checkoutCart.orders).toHaveLength(1);
  });

  it('save a card once per key, and refuse the key for another card', async () => {
    const buyer = await signUp(t, 'buyer');
    const key = randomUUID();
    const add = (paymentMethodId: string) => ({ input: { paymentMethodId, idempotencyKey: key } });
    const visa = (await ok(t.url, AddPaymentMethodDocument, add('pm_card_visa'), buyer.token)).addPaymentMethod;
    expect((await ok(t.url, AddPaymentMethodDocument, add('pm_card_visa'), buyer.token)).addPaymentMethod).toEqual(
      visa,
    );
    expect(await codes(t.url, AddPaymentMethodDocument, add('pm_card_mastercard'), buyer.token)).toEqual(['CONFLICT']);
    expect((await ok(t.url, PaymentMethodsDocument, {}, buyer.token)).paymentMethods.map((m) => m.brand)).toEqual([
      'visa',
    ]);
  });

  it('subscribe once per key, and refuse the key for another plan', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'user')]);
    const [plus, pro] = await Promise.all([plan(t, boss), plan(t, boss)]);
    const card = await savedCard(t, user);
    const key = randomUUID();
    const subscribe = (planId: string) => ({ input: { planId, paymentMethodId: card.id, idempotencyKey: key } });
    const first = (await ok(t.url, SubscribeToPlanDocument, subscribe(plus.id), user.token)).subscribeToPlan;
    expect((await ok(t.url, SubscribeToPlanDocument, subscribe(plus.id), user.token)).subscribeToPlan.id).toBe(
      first.id,
    );
    expect(await codes(t.url, SubscribeToPlanDocument, subscribe(pro.id), user.token)).toEqual(['CONFLICT']);
  });

  it('buy a campaign once per key, and refuse the key for other terms', async () => {
    const owner = await seller(t);
    const product = await listed(t, owner);
    const key = randomUUID();
    const promote = (days: number) => ({
      input: { productId: product.id, dailyBudget: 500, days, paymentMethodId: 'pm_card_visa', idempotencyKey: key },
    });
    const first = (await ok(t.url, PromoteProductDocument, promote(1), owner.token)).promoteProduct;
    expect((await ok(t.url, PromoteProductDocument, promote(1), owner.token)).promoteProduct.id).toBe(first.id);
    expect(await codes(t.url, PromoteProductDocument, promote(2), owner.token)).toEqual(['CONFLICT']);
  });
});
