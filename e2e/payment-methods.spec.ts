import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphs } from '@peerlink/launcher/subgraphs';
import { startSubgraph } from '@peerlink/platform/graphql/start-subgraph';
import {
  AddPaymentMethodDocument,
  PaymentMethodsDocument,
  PaymentStatusDocument,
  PromoteProductDocument,
  RefundPaymentDocument,
  RemovePaymentMethodDocument,
  SetDefaultPaymentMethodDocument,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { buy, listed, orderReaches, seller } from './support/marketplace.js';
import { addCard, savedCard } from './support/payment-methods.js';
import { answerSandbox3ds } from './support/payer-pages.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

// Saved cards on the sandbox provider, through the gateway.
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.stop());

const listOf = async (token: string) => (await ok(t.url, PaymentMethodsDocument, {}, token)).paymentMethods;

describe('saved payment methods', () => {
  it('saves cards once per key, lists them newest first with the first as default, and pays with one', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const key = randomUUID();
    const visa = await addCard(t, buyer, 'pm_card_visa', key);
    expect(visa).toMatchObject({
      status: 'SUCCEEDED',
      failureReason: null,
      actionUrl: null,
      paymentMethod: {
        brand: 'visa',
        last4: '4242',
        expMonth: 12,
        expYear: new Date().getUTCFullYear() + 1,
        isDefault: true,
      },
    });
    expect(await addCard(t, buyer, 'pm_card_visa', key)).toEqual(visa);
    const mastercard = await savedCard(t, buyer, 'pm_card_mastercard');
    expect(mastercard).toMatchObject({ brand: 'mastercard', last4: '4444', isDefault: false });
    expect((await listOf(buyer.token)).map((m) => [m.id, m.isDefault])).toEqual([
      [mastercard.id, false],
      [visa.paymentMethod!.id, true],
    ]);

    const chosen = await ok(t.url, SetDefaultPaymentMethodDocument, { id: mastercard.id }, buyer.token);
    expect(chosen.setDefaultPaymentMethod.isDefault).toBe(true);
    expect((await listOf(buyer.token)).map((m) => m.isDefault)).toEqual([true, false]);

    const lamp = await listed(t, owner, { priceAmount: 2500 });
    const order = (await buy(t, buyer, lamp.id, visa.paymentMethod!.id)).orders[0]!;
    await orderReaches(t, buyer, order.id, 'PAID');
    expect((await ok(t.url, PaymentStatusDocument, { orderId: order.id }, buyer.token)).paymentStatus).toMatchObject({
      status: 'SUCCEEDED',
      amount: 2500,
    });
  });

  it('keeps a card to its owner: others neither see, choose, remove nor charge it', async () => {
    const [owner, buyer, outsider] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'outsider')]);
    const card = await savedCard(t, buyer);
    expect(await listOf(outsider.token)).toEqual([]);
    expect(await codes(t.url, RemovePaymentMethodDocument, { id: card.id }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, SetDefaultPaymentMethodDocument, { id: card.id }, outsider.token)).toEqual(['NOT_FOUND']);

    // Checkout with someone else's card: the payment fails, and nothing reaches the card.
    const lamp = await listed(t, owner);
    const order = (await buy(t, outsider, lamp.id, card.id)).orders[0]!;
    await orderReaches(t, outsider, order.id, 'PAYMENT_FAILED');
    const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId: order.id }, outsider.token);
    expect(paymentStatus).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringMatching(/no saved payment method with this id/),
    });
    // Advertising is paid the same way: with someone else's card it fails too.
    const promoted = await listed(t, owner);
    const campaign = (
      await ok(
        t.url,
        PromoteProductDocument,
        {
          input: {
            productId: promoted.id,
            dailyBudget: 500,
            days: 1,
            paymentMethodId: card.id,
            idempotencyKey: randomUUID(),
          },
        },
        owner.token,
      )
    ).promoteProduct;
    await orderReaches(t, owner, campaign.order!.id, 'PAYMENT_FAILED');
    expect(await listOf(buyer.token)).toEqual([card]);
  });

  it('removes a card: it is gone from the list, the next becomes default, and paying with it fails', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const first = await savedCard(t, buyer);
    const second = await savedCard(t, buyer, 'pm_card_amex');
    expect((await ok(t.url, RemovePaymentMethodDocument, { id: first.id }, buyer.token)).removePaymentMethod).toBe(
      first.id,
    );
    expect(await listOf(buyer.token)).toEqual([{ ...second, isDefault: true }]);
    expect(await codes(t.url, RemovePaymentMethodDocument, { id: first.id }, buyer.token)).toEqual(['NOT_FOUND']);

    const lamp = await listed(t, owner);
    const order = (await buy(t, buyer, lamp.id, first.id)).orders[0]!;
    await orderReaches(t, buyer, order.id, 'PAYMENT_FAILED');
    expect(
      (await ok(t.url, PaymentStatusDocument, { orderId: order.id }, buyer.token)).paymentStatus.failureReason,
    ).toMatch(/was removed/);
  });

  it('saves nothing for a declined or unknown card; asks for 3-D Secure or for a card when needed', async () => {
    const buyer = await signUp(t, 'buyer');
    expect(await addCard(t, buyer, 'pm_card_chargeDeclined')).toMatchObject({
      status: 'FAILED',
      failureReason: 'Your card was declined.',
      paymentMethod: null,
    });
    expect(await addCard(t, buyer, 'pm_nope')).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringMatching(/No such PaymentMethod/),
      paymentMethod: null,
    });
    expect(await addCard(t, buyer, 'pm_card_threeDSecure2Required')).toMatchObject({
      status: 'REQUIRES_ACTION',
      actionUrl: expect.stringMatching(/^https?:\/\//),
      paymentMethod: null,
    });
    expect(await addCard(t, buyer, null)).toMatchObject({
      status: 'REQUIRES_PAYMENT_METHOD',
      clientSecret: expect.stringMatching(/^seti_.+_secret_/),
      paymentMethod: null,
    });
    expect(await listOf(buyer.token)).toEqual([]);
  });

  it('saves a card once its holder passes 3-D Secure on the sandbox’s page, and not when they fail', async () => {
    const buyer = await signUp(t, 'buyer');
    const passing = await addCard(t, buyer, 'pm_card_threeDSecure2Required');
    expect(await listOf(buyer.token)).toEqual([]);
    expect((await answerSandbox3ds(t, passing.actionUrl!, 'succeed')).status).toBe(200);
    const [card] = await listOf(buyer.token);
    expect(card).toMatchObject({ brand: 'visa', last4: '3220', isDefault: true });

    const failing = await addCard(t, buyer, 'pm_card_threeDSecure2Required');
    expect((await answerSandbox3ds(t, failing.actionUrl!, 'fail')).status).toBe(200);
    expect(await listOf(buyer.token)).toEqual([card]);
  });

  it('keeps the sandbox’s saved cards and charges across a restart of payments, as a real processor would', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const lamp = await listed(t, owner, { priceAmount: 2000, stock: 5 });
    const card = await savedCard(t, buyer);
    const before = (await buy(t, buyer, lamp.id, card.id)).orders[0]!;
    await orderReaches(t, buyer, before.id, 'PAID');

    const index = t.stack.subgraphs.findIndex((s) => s.name === 'payments');
    const down = t.stack.subgraphs[index]!;
    await down.stop();
    const definition = subgraphs.find((s) => s.definition.name === 'payments')!.definition;
    t.stack.subgraphs[index] = await startSubgraph(
      definition,
      t.stack.infrastructure,
      t.stack.config.subgraphs.payments,
      { port: Number(new URL(down.url).port), host: '127.0.0.1', migrateOnStart: false },
    );

    // The card saved before still pays, and the payment taken before still refunds.
    const after = (await buy(t, buyer, lamp.id, card.id)).orders[0]!;
    await orderReaches(t, buyer, after.id, 'PAID');
    const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId: before.id }, buyer.token);
    const { refundPayment } = await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: paymentStatus.id, reason: 'Returned' } },
      owner.token,
    );
    expect(refundPayment).toMatchObject({ status: 'REFUNDED', refundedAmount: 2000 });
  });

  it('refuses bad input and strangers', async () => {
    const buyer = await signUp(t, 'buyer');
    const add = (input: { paymentMethodId?: string; idempotencyKey: string }, token?: string) =>
      codes(t.url, AddPaymentMethodDocument, { input }, token);
    expect(await add({ paymentMethodId: 'pm_card_visa', idempotencyKey: ' ' }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await add({ paymentMethodId: 'pm_card_visa', idempotencyKey: 'k'.repeat(101) }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await add({ paymentMethodId: 'not a token!', idempotencyKey: randomUUID() }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, RemovePaymentMethodDocument, { id: 'not-an-id' }, buyer.token)).toEqual(['NOT_FOUND']);
    expect(await add({ paymentMethodId: 'pm_card_visa', idempotencyKey: randomUUID() })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, PaymentMethodsDocument, {})).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, RemovePaymentMethodDocument, { id: randomUUID() })).toEqual(['UNAUTHENTICATED']);
    expect(await listOf(buyer.token)).toEqual([]);
  });
});
