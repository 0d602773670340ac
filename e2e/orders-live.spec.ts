import { waitFor } from '@peerlink/platform/testing/wait-for';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MarkOrderShippedDocument,
  OrderDocument,
  OrderUpdatedDocument,
  PaymentStatusDocument,
  PaymentUpdatedDocument,
  RefundPaymentDocument,
} from './generated/graphql.js';
import { codes, ok, Subscription, wsClient } from './support/client.js';
import { buy, listed, orderReaches, seller, type Account } from './support/marketplace.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
let owner: Account;
let buyer: Account;
let outsider: Account;
beforeAll(async () => {
  t = await startTestStack();
  [owner, buyer, outsider] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'outsider')]);
});
afterAll(async () => {
  await t?.stop();
});

const live = () => t.stack.gateway.live;

/** A client that remembers whether its socket ever closed. */
function watched(account: Account): { client: Client; closed: () => boolean } {
  const client = wsClient(t.url, account.token);
  let closed = false;
  client.on('closed', () => (closed = true));
  return { client, closed: () => closed };
}

/** The codes of the errors a subscription ended with. */
const errorCodes = (subscription: Subscription<unknown>) =>
  Array.isArray(subscription.error)
    ? subscription.error.map((e: { extensions?: { code?: unknown } }) => String(e.extensions?.code))
    : [];

/** What one subscriber saw of one order, in order. */
const statusesOf = (
  subscription: Subscription<{ orderUpdated: { id: string; status: string } | null }>,
  orderId: string,
) => subscription.results.flatMap((r) => (r.data?.orderUpdated?.id === orderId ? [r.data.orderUpdated.status] : []));

describe('orderUpdated for all of your orders', () => {
  it('shows buyer and seller an order from checkout to PAID, and nobody else', async () => {
    const lamp = await listed(t, owner, { title: 'Live lamp', priceAmount: 2500 });
    const vase = await listed(t, owner, { title: 'Live vase', priceAmount: 1500 });
    const [buyerWatch, ownerWatch, outsiderWatch] = [buyer, owner, outsider].map((who) => ({ who, ...watched(who) }));
    const [buyerSees, ownerSees, outsiderSees] = [buyerWatch, ownerWatch, outsiderWatch].map(
      ({ client }) => new Subscription(client, OrderUpdatedDocument, {}),
    );
    await waitFor('three subscriptions to all orders', () =>
      [buyer, owner, outsider].every((who) => live().subscriptionsOf(who.id) === 1),
    );

    const order = (await buy(t, buyer, lamp.id)).orders[0]!;
    // Placed, then PAID: the first update is resolved when delivered, so it may already read PAID.
    for (const subscription of [buyerSees, ownerSees]) {
      await waitFor('the PAID update', () => statusesOf(subscription, order.id).includes('PAID'));
      const statuses = statusesOf(subscription, order.id);
      expect(statuses).toHaveLength(2);
      expect(['PENDING_PAYMENT', 'PAID']).toContain(statuses[0]);
      expect(statuses[1]).toBe('PAID');
    }
    expect(buyerSees.results.at(-1)?.data?.orderUpdated).toMatchObject({
      buyer: { id: buyer.id },
      seller: { id: owner.id },
      items: [{ title: 'Live lamp' }],
    });

    // The outsider's subscription works (their own purchase reaches it) and never held the buyer's order.
    const theirs = (await buy(t, outsider, vase.id)).orders[0]!;
    await waitFor('the outsider’s own PAID update', () => statusesOf(outsiderSees, theirs.id).includes('PAID'));
    await waitFor('the seller to see both sales', () => statusesOf(ownerSees, theirs.id).includes('PAID'));
    expect(outsiderSees.results.map((r) => r.data?.orderUpdated!.id)).toEqual([theirs.id, theirs.id]);
    expect(buyerSees.results.map((r) => r.data?.orderUpdated!.id)).toEqual([order.id, order.id]);
    for (const subscription of [buyerSees, ownerSees, outsiderSees])
      expect(subscription.results.every((r) => !r.errors)).toBe(true);
    await Promise.all([buyerWatch, ownerWatch, outsiderWatch].map(({ client }) => client.dispose()));
  });
});

describe('subscriptions asking for the current state first', () => {
  it('sends an order as it is now, then its changes, to buyer and seller', async () => {
    const desk = await listed(t, owner, { title: 'Current desk' });
    const order = (await buy(t, buyer, desk.id)).orders[0]!;
    await orderReaches(t, buyer, order.id, 'PAID');

    const watchers = [buyer, owner].map((who) => {
      const { client } = watched(who);
      return {
        client,
        subscription: new Subscription(client, OrderUpdatedDocument, { orderId: order.id, current: true }),
      };
    });
    for (const { subscription } of watchers) {
      await waitFor('the current state', () => subscription.results.length >= 1);
      expect(subscription.results[0]!.data?.orderUpdated).toMatchObject({
        id: order.id,
        status: 'PAID',
        seller: { id: owner.id },
      });
    }
    await ok(t.url, MarkOrderShippedDocument, { id: order.id, trackingNumber: 'CUR-1' }, owner.token);
    for (const { subscription } of watchers) {
      await waitFor('the SHIPPED update', () =>
        subscription.results.some((r) => r.data?.orderUpdated!.status === 'SHIPPED'),
      );
      // The PAID event may still have been on its way when the state was read: it can repeat, once.
      expect(collapseRepeats(subscription.results.map((r) => r.data?.orderUpdated!.status))).toEqual([
        'PAID',
        'SHIPPED',
      ]);
      expect(subscription.error).toBeUndefined();
    }
    await Promise.all(watchers.map(({ client }) => client.dispose()));
  });

  it('ends with NOT_FOUND for someone else’s order, leaving the socket and its other subscriptions up', async () => {
    const chair = await listed(t, owner, { title: 'Private chair' });
    const order = (await buy(t, buyer, chair.id)).orders[0]!;
    await orderReaches(t, buyer, order.id, 'PAID');

    const { client, closed } = watched(outsider);
    const kept = new Subscription(client, OrderUpdatedDocument, {});
    await waitFor('the outsider’s first subscription', () => live().subscriptionsOf(outsider.id) === 1);
    const prying = new Subscription(client, OrderUpdatedDocument, { orderId: order.id, current: true });
    await waitFor('the refusal', () => prying.error);
    expect(errorCodes(prying)).toEqual(['NOT_FOUND']);
    expect(prying.results).toEqual([]);
    // Its slot is given back; the socket and the other subscription stay.
    await waitFor('one subscription left', () => live().subscriptionsOf(outsider.id) === 1);
    expect(closed()).toBe(false);
    expect(kept.error).toBeUndefined();
    expect(kept.completed).toBe(false);

    // The same for the payment, by its order or by its own id.
    const payment = (await ok(t.url, PaymentStatusDocument, { orderId: order.id }, buyer.token)).paymentStatus;
    for (const variables of [{ orderId: order.id }, { paymentId: payment.id }]) {
      const payments = new Subscription(client, PaymentUpdatedDocument, { ...variables, current: true });
      await waitFor('the refusal', () => payments.error);
      expect(errorCodes(payments)).toEqual(['NOT_FOUND']);
      expect(payments.results).toEqual([]);
    }
    expect(closed()).toBe(false);
    expect(live().subscriptionsOf(outsider.id)).toBe(1);
    await client.dispose();
  });

  it('answers bad input with a code and keeps the socket', async () => {
    const { client, closed } = watched(buyer);
    const kept = new Subscription(client, OrderUpdatedDocument, {});
    await waitFor('the buyer’s first subscription', () => live().subscriptionsOf(buyer.id) === 1);
    const refused = async (variables: Record<string, unknown>) => {
      const subscription = new Subscription(client, OrderUpdatedDocument, variables);
      await waitFor('the refusal', () => subscription.error);
      expect(subscription.results).toEqual([]);
      return errorCodes(subscription);
    };
    // A malformed id is missing as a query would find it.
    const queryCodes = await codes(t.url, OrderDocument, { id: 'not-an-id' }, buyer.token);
    expect(queryCodes).toEqual(['NOT_FOUND']);
    expect(await refused({ orderId: 'not-an-id', current: true })).toEqual(queryCodes);
    // The current state of what? All of your orders have none.
    expect(await refused({ current: true })).toEqual(['BAD_USER_INPUT']);
    // Variables are checked against their types, as in a query.
    expect(await refused({ orderId: 'x', current: 'yes' })).toEqual(['BAD_USER_INPUT']);
    expect(await refused({ orderId: { id: 'x' } })).toEqual(['BAD_USER_INPUT']);
    expect(closed()).toBe(false);
    expect(kept.error).toBeUndefined();
    expect(live().subscriptionsOf(buyer.id)).toBe(1);
    await client.dispose();
  });
});

describe('paymentUpdated', () => {
  it('shows buyer and seller every payment of their orders from before checkout, and nobody else', async () => {
    const pen = await listed(t, owner, { title: 'Live pen', priceAmount: 900 });
    const [buyerWatch, ownerWatch, outsiderWatch] = [buyer, owner, outsider].map((who) => watched(who));
    const [buyerSees, ownerSees, outsiderSees] = [buyerWatch, ownerWatch, outsiderWatch].map(
      ({ client }) => new Subscription(client, PaymentUpdatedDocument, {}),
    );
    await waitFor('three subscriptions to all payments', () =>
      [buyer, owner, outsider].every((who) => live().subscriptionsOf(who.id) === 1),
    );

    const order = (await buy(t, buyer, pen.id)).orders[0]!;
    const [paid, sold] = await Promise.all(
      [buyerSees, ownerSees].map((s) =>
        waitFor('the SUCCEEDED payment', () =>
          s.results.find(
            (r) => r.data?.paymentUpdated!.order!.id === order.id && r.data.paymentUpdated.status === 'SUCCEEDED',
          ),
        ),
      ),
    );
    expect(paid!.data?.paymentUpdated!.clientSecret).toEqual(expect.any(String));
    expect(sold!.data?.paymentUpdated!.clientSecret).toBeNull();
    // Both parties have had it, so the outsider would have too.
    expect(outsiderSees.results).toEqual([]);
    await Promise.all([buyerWatch, ownerWatch, outsiderWatch].map(({ client }) => client.dispose()));
  });

  it('sends a payment as it is now, by its order or its id, then its changes', async () => {
    const cup = await listed(t, owner, { title: 'Current cup', priceAmount: 1200 });
    const order = (await buy(t, buyer, cup.id)).orders[0]!;
    await orderReaches(t, buyer, order.id, 'PAID');
    const payment = (await ok(t.url, PaymentStatusDocument, { orderId: order.id }, buyer.token)).paymentStatus;

    const { client } = watched(buyer);
    const byOrder = new Subscription(client, PaymentUpdatedDocument, { orderId: order.id, current: true });
    const byId = new Subscription(client, PaymentUpdatedDocument, { paymentId: payment.id, current: true });
    for (const subscription of [byOrder, byId]) {
      await waitFor('the current state', () => subscription.results.length >= 1);
      expect(subscription.results[0]!.data?.paymentUpdated).toMatchObject({
        id: payment.id,
        status: 'SUCCEEDED',
        order: { id: order.id },
      });
    }
    await ok(t.url, RefundPaymentDocument, { input: { paymentId: payment.id, reason: 'Chipped' } }, owner.token);
    for (const subscription of [byOrder, byId]) {
      await waitFor('the refund', () => subscription.results.length >= 2);
      expect(subscription.results.map((r) => r.data?.paymentUpdated!.status)).toEqual(['SUCCEEDED', 'REFUNDED']);
    }
    await client.dispose();
  });
});

/** A sequence with each run of equal neighbours kept once. */
function collapseRepeats<T>(values: T[]): T[] {
  return values.filter((value, i) => i === 0 || value !== values[i - 1]);
}
