import { waitFor } from '@peerlink/platform/testing/wait-for';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectPayoutAccountDocument,
  LoginDocument,
  MarkOrderDeliveredDocument,
  MarkOrderShippedDocument,
  OrderNotificationsDocument,
  PaymentStatusDocument,
  PayoutAccountDocument,
  PayoutDocument,
  PayoutsDocument,
  PromoteProductDocument,
  RefundPaymentDocument,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { FakeStripe, type StripeEvent } from './support/fake-stripe.js';
import { buy, listed, orderReaches, seller } from './support/marketplace.js';
import type { PaymentsServices } from '@peerlink/payments';
import { payoutReaches, soldAndDelivered } from './support/payouts.js';
import { makeAdmin, signUp, startTestStack, type TestStack } from './support/stack.js';

// PLATFORM_FEE_PERCENT is 10 in both stacks: 2500 sold pays the seller 2250.
const RETURN_URL = 'https://shop.example/seller/payouts';

describe('payouts on the sandbox', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ PLATFORM_FEE_PERCENT: '10' });
  });
  afterAll(() => t?.stop());

  it('holds a sale’s share until the seller connects, then pays it; later sales are paid on delivery', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const lamp = await listed(t, owner, { priceAmount: 2500, stock: 5 });

    expect((await ok(t.url, PayoutAccountDocument, {}, owner.token, { nullable: true })).payoutAccount).toBeNull();
    const early = await soldAndDelivered(t, owner, buyer, lamp.id);
    const held = await payoutReaches(t, owner, early.id, 'HELD');
    expect(held).toMatchObject({
      amount: 2500,
      fee: 250,
      net: 2250,
      currency: 'usd',
      paidAt: null,
      holdReason: expect.stringMatching(/Connect a payout account/),
    });

    const { connectPayoutAccount: onboarding } = await ok(
      t.url,
      ConnectPayoutAccountDocument,
      { returnUrl: RETURN_URL },
      owner.token,
    );
    expect(onboarding.account).toMatchObject({ status: 'ENABLED', payoutsEnabled: true, provider: 'sandbox' });
    expect(onboarding.url.startsWith(`${RETURN_URL}?payouts=return&`)).toBe(true);
    expect(new Date(onboarding.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const released = await payoutReaches(t, owner, early.id, 'PAID');
    expect(released).toMatchObject({
      id: held.id,
      net: 2250,
      holdReason: null,
      paidAt: expect.any(String),
      payment: { amount: 2500, refundedAmount: 0 },
    });
    const told = await waitFor(
      'the seller to hear of the payout',
      async () =>
        (await ok(t.url, OrderNotificationsDocument, {}, owner.token)).notifications.edges.find((e) =>
          e.node.title.startsWith('Payout sent'),
        )?.node,
    );
    expect(told).toMatchObject({ kind: 'ORDER', title: 'Payout sent: $22.50', order: { id: early.id } });

    // Connecting again: the same account, a new link.
    const again = (await ok(t.url, ConnectPayoutAccountDocument, {}, owner.token)).connectPayoutAccount;
    expect(again.account.id).toBe(onboarding.account.id);
    expect(again.url).not.toBe(onboarding.url);

    // Paid, not yet delivered: nothing due. Delivered: paid at once.
    const later = await soldAndDelivered(t, owner, buyer, lamp.id);
    expect(await payoutReaches(t, owner, later.id, 'PAID')).toMatchObject({ amount: 2500, fee: 250, net: 2250 });
    const pending = (await buy(t, buyer, lamp.id)).orders[0]!;
    await orderReaches(t, owner, pending.id, 'PAID');
    // A digital-only order is complete once paid: its payout is the barrier that the physical one would have passed.
    const ebook = await listed(t, owner, { kind: 'DIGITAL', priceAmount: 1005, stock: null });
    const digital = (await buy(t, buyer, ebook.id)).orders[0]!;
    expect(await payoutReaches(t, owner, digital.id, 'PAID')).toMatchObject({ amount: 1005, fee: 101, net: 904 });
    const { payouts } = await ok(t.url, PayoutsDocument, { first: 10 }, owner.token);
    expect(payouts.edges.map((e) => e.node.order!.id)).toEqual([digital.id, later.id, early.id]);

    // Pages: newest first, with a cursor.
    const first = (await ok(t.url, PayoutsDocument, { first: 2 }, owner.token)).payouts;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await ok(t.url, PayoutsDocument, { first: 2, after: first.pageInfo.endCursor }, owner.token))
      .payouts;
    expect([...first.edges, ...second.edges].map((e) => e.node.order!.id)).toEqual([digital.id, later.id, early.id]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('takes back the seller’s part of refunds after the payout, in proportion', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    await ok(t.url, ConnectPayoutAccountDocument, {}, owner.token);
    const vase = await listed(t, owner, { priceAmount: 2500 });
    const order = await soldAndDelivered(t, owner, buyer, vase.id);
    const paid = await payoutReaches(t, owner, order.id, 'PAID');

    // 1000 of 2500 back to the buyer: the seller keeps 90% of 1500, so 900 of their 2250 is reversed.
    await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: paid.payment.id, amount: 1000, reason: 'Chipped' } },
      owner.token,
    );
    expect(await payoutReaches(t, owner, order.id, 'PARTIALLY_REVERSED')).toMatchObject({
      net: 2250,
      reversedAmount: 900,
    });
    await ok(t.url, RefundPaymentDocument, { input: { paymentId: paid.payment.id, reason: 'Returned' } }, owner.token);
    expect(await payoutReaches(t, owner, order.id, 'REVERSED')).toMatchObject({ net: 2250, reversedAmount: 2250 });
  });

  it('leaves refunds made before the payout out of it, and cancels a held payout refunded in full', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const lamp = await listed(t, owner, { priceAmount: 2500, stock: 5 });
    const refund = async (orderId: string, amount: number | null) => {
      const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId }, owner.token);
      await ok(
        t.url,
        RefundPaymentDocument,
        { input: { paymentId: paymentStatus.id, amount, reason: 'Goodwill' } },
        owner.token,
      );
    };

    // Refunded in part while paid, then delivered: the payout is on the 2000 left.
    const order = (await buy(t, buyer, lamp.id)).orders[0]!;
    await orderReaches(t, owner, order.id, 'PAID');
    await refund(order.id, 500);
    await ok(t.url, MarkOrderShippedDocument, { id: order.id, trackingNumber: '1Z1' }, owner.token);
    await ok(t.url, MarkOrderDeliveredDocument, { id: order.id }, owner.token);
    expect(await payoutReaches(t, owner, order.id, 'HELD')).toMatchObject({ amount: 2000, fee: 200, net: 1800 });

    // Refunded again while held (no account yet): worked out again on what is left.
    await refund(order.id, 1000);
    await waitFor(
      'the held payout to shrink',
      async () => (await payoutReaches(t, owner, order.id, 'HELD')).amount === 1000,
    );
    expect(await payoutReaches(t, owner, order.id, 'HELD')).toMatchObject({ amount: 1000, fee: 100, net: 900 });

    // Refunded in full while held: nothing is owed.
    const returned = await soldAndDelivered(t, owner, buyer, lamp.id);
    await payoutReaches(t, owner, returned.id, 'HELD');
    await refund(returned.id, null);
    expect(await payoutReaches(t, owner, returned.id, 'CANCELLED')).toMatchObject({ amount: 0, fee: 0, net: 0 });

    await ok(t.url, ConnectPayoutAccountDocument, {}, owner.token);
    expect(await payoutReaches(t, owner, order.id, 'PAID')).toMatchObject({ net: 900, reversedAmount: 0 });
    expect((await payoutReaches(t, owner, returned.id, 'CANCELLED')).paidAt).toBeNull();
  });

  it('shows payouts to their seller and admins only, lets only sellers connect, and refuses bad input', async () => {
    const [owner, buyer, outsider] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'outsider')]);
    await ok(t.url, ConnectPayoutAccountDocument, {}, owner.token);
    const order = await soldAndDelivered(t, owner, buyer, (await listed(t, owner, { priceAmount: 2500 })).id);
    const payout = await payoutReaches(t, owner, order.id, 'PAID');

    for (const who of [buyer, outsider]) {
      expect((await ok(t.url, PayoutsDocument, {}, who.token)).payouts.edges).toEqual([]);
      expect(await codes(t.url, PayoutDocument, { id: payout.id }, who.token)).toEqual(['NOT_FOUND']);
      expect((await ok(t.url, PayoutAccountDocument, {}, who.token, { nullable: true })).payoutAccount).toBeNull();
    }
    expect(await codes(t.url, PayoutDocument, { id: payout.id })).toEqual(['UNAUTHENTICATED']);
    await makeAdmin(t, outsider.username);
    const admin = (await ok(t.url, LoginDocument, { input: { login: outsider.username, password: outsider.password } }))
      .login.accessToken;
    expect((await ok(t.url, PayoutDocument, { id: payout.id }, admin)).payout).toMatchObject({
      id: payout.id,
      net: 2250,
      payment: { id: payout.payment.id },
    });

    expect(await codes(t.url, ConnectPayoutAccountDocument, {}, buyer.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, ConnectPayoutAccountDocument, {})).toEqual(['UNAUTHENTICATED']);
    for (const returnUrl of ['not a url', 'javascript:alert(1)', `https://shop.example/${'x'.repeat(2000)}`]) {
      expect(await codes(t.url, ConnectPayoutAccountDocument, { returnUrl }, owner.token)).toEqual(['BAD_USER_INPUT']);
    }
    expect(await codes(t.url, PayoutsDocument, { first: 0 }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, PayoutsDocument, { after: 'not-a-cursor' }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, PayoutDocument, { id: 'not-an-id' }, owner.token)).toEqual(['NOT_FOUND']);
  });

  it('pays nobody for advertising, which the platform sells', async () => {
    const owner = await seller(t);
    await ok(t.url, ConnectPayoutAccountDocument, {}, owner.token);
    const product = await listed(t, owner);
    const { promoteProduct: campaign } = await ok(
      t.url,
      PromoteProductDocument,
      {
        input: {
          productId: product.id,
          dailyBudget: 500,
          days: 3,
          paymentMethodId: 'pm_card_visa',
          idempotencyKey: `ads-${owner.id}`,
        },
      },
      owner.token,
    );
    await orderReaches(t, owner, campaign.order!.id, 'PAID');
    // A digital sale after it, paid out: the ad order's news has been handled by then.
    const buyer = await signUp(t, 'buyer');
    const sale = (await buy(t, buyer, (await listed(t, owner, { kind: 'DIGITAL', stock: null })).id)).orders[0]!;
    await payoutReaches(t, owner, sale.id, 'PAID');
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    const { rows } = await db.query('select order_id from payments.payouts where order_id = $1', [campaign.order!.id]);
    await db.end();
    expect(rows).toEqual([]);
  });
});

describe('payouts through Stripe Connect', () => {
  let t: TestStack;
  const stripe = new FakeStripe();
  const WEBHOOK_SECRET = 'whsec_test_payouts';
  /** Connect events come from Stripe's Connect endpoint, with a secret of its own. */
  const CONNECT_SECRET = 'whsec_test_connect';

  /** Delivers an event to the gateway's /webhooks/stripe, signed as Stripe signs it. */
  async function deliver(event: StripeEvent, secret = event.account ? CONNECT_SECRET : WEBHOOK_SECRET) {
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    const response = await fetch(new URL('/webhooks/stripe', t.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    await stripe.start();
    t = await startTestStack({
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
      PLATFORM_FEE_PERCENT: '10',
    });
  });
  afterAll(async () => {
    await t?.stop();
    await stripe.stop();
  });

  it('onboards on Stripe, holds payouts until account.updated says it can take transfers, transfers once, and reverses after a refund', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const { connectPayoutAccount: onboarding } = await ok(
      t.url,
      ConnectPayoutAccountDocument,
      { returnUrl: RETURN_URL },
      owner.token,
    );
    expect(onboarding.account).toMatchObject({ status: 'ONBOARDING', payoutsEnabled: false, provider: 'stripe' });
    expect(onboarding.url).toMatch(new RegExp(`^${stripe.url}/setup/e/acct_`));
    const again = (await ok(t.url, ConnectPayoutAccountDocument, { returnUrl: RETURN_URL }, owner.token))
      .connectPayoutAccount;
    expect(again.account.id).toBe(onboarding.account.id);
    expect(again.url).not.toBe(onboarding.url);
    const accounts = stripe.received.filter(
      (r) => r.path === '/v1/accounts' && r.params['metadata[sellerId]'] === owner.id,
    );
    expect(accounts.map((r) => [r.status, r.idempotencyKey])).toEqual([[200, `peerlink-payout-account-${owner.id}`]]);
    const accountId = [...stripe.connect.accounts.values()].find(
      (a) => (a.metadata as Record<string, string>).sellerId === owner.id,
    )!.id;
    const links = stripe.received.filter((r) => r.path === '/v1/account_links' && r.params.account === accountId);
    expect(links.map((r) => r.params)).toEqual(
      Array(2).fill({
        account: accountId,
        type: 'account_onboarding',
        return_url: `${RETURN_URL}?payouts=return`,
        refresh_url: `${RETURN_URL}?payouts=refresh`,
      }),
    );

    // Sold while the seller is still onboarding: held.
    const lamp = await listed(t, owner, { priceAmount: 2500, stock: 5 });
    const order = await soldAndDelivered(t, owner, buyer, lamp.id);
    expect(await payoutReaches(t, owner, order.id, 'HELD')).toMatchObject({
      net: 2250,
      holdReason: expect.stringMatching(/not enabled/),
    });
    expect(stripe.received.filter((r) => r.path === '/v1/transfers')).toEqual([]);

    // Onboarding done: Stripe's Connect event, delivered twice, releases it with one transfer.
    const updated = stripe.completeOnboarding(accountId);
    expect(await deliver(updated)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(await deliver(updated)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    await deliver(stripe.event('account.updated', stripe.connect.accounts.get(accountId)!, accountId));
    const paid = await payoutReaches(t, owner, order.id, 'PAID');
    expect((await ok(t.url, PayoutAccountDocument, {}, owner.token)).payoutAccount).toMatchObject({
      status: 'ENABLED',
      payoutsEnabled: true,
    });
    const intent = [...stripe.paymentIntents.values()].find(
      (i) => (i.metadata as Record<string, string>).orderId === order.id,
    )!;
    const transfers = stripe.received.filter((r) => r.path === '/v1/transfers');
    expect(transfers.map(({ status, params }) => ({ status, params }))).toEqual([
      {
        status: 200,
        params: {
          amount: '2250',
          currency: 'usd',
          destination: accountId,
          transfer_group: order.id,
          source_transaction: intent.latest_charge,
          'metadata[payoutId]': paid.id,
          'metadata[orderId]': order.id,
          'metadata[sellerId]': owner.id,
        },
      },
    ]);

    // A refund after the transfer: the seller's part of it is reversed at Stripe.
    await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: paid.payment.id, amount: 1000, reason: 'Chipped' } },
      owner.token,
    );
    expect(await payoutReaches(t, owner, order.id, 'PARTIALLY_REVERSED')).toMatchObject({ reversedAmount: 900 });
    const transfer = [...stripe.connect.transfers.values()][0]!;
    expect(transfer).toMatchObject({ amount: 2250, amount_reversed: 900 });
    expect(
      stripe.received
        .filter((r) => r.path === `/v1/transfers/${transfer.id}/reversals`)
        .map((r) => [r.status, r.params.amount]),
    ).toEqual([[200, '900']]);

    // Connected now: the next delivery is paid at once.
    const next = await soldAndDelivered(t, owner, buyer, lamp.id);
    const nextPaid = await payoutReaches(t, owner, next.id, 'PAID');
    await waitFor('two transfers', () => stripe.connect.transfers.size === 2);

    // Stripe refuses a reversal: the refund stands, nothing becomes a dead letter, and the next
    // refund's reversal asks for what is owed for both.
    stripe.connect.refuseReversals = 'Insufficient funds in the connected account.';
    await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: nextPaid.payment.id, amount: 500, reason: 'Late' } },
      owner.token,
    );
    const nextTransfer = [...stripe.connect.transfers.values()].find((tr) => tr.transfer_group === next.id)!;
    const reversalsOf = () => stripe.received.filter((r) => r.path === `/v1/transfers/${nextTransfer.id}/reversals`);
    await waitFor('the refused reversal', () => reversalsOf().some((r) => r.status === 400));
    stripe.connect.refuseReversals = null;
    await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: nextPaid.payment.id, amount: 500, reason: 'Late again' } },
      owner.token,
    );
    expect(await payoutReaches(t, owner, next.id, 'PARTIALLY_REVERSED')).toMatchObject({ reversedAmount: 900 });
    expect(
      reversalsOf()
        .filter((r) => r.status === 200)
        .map((r) => r.params.amount),
    ).toEqual(['900']);
    expect(await t.stack.infrastructure.bus.deadLetters()).toEqual([]);

    // Stripe refuses a transfer to the enabled account: held with Stripe's reason, and asked for again
    // later (a minute after the first refusal) under a new key, by the payments' own retry sweep.
    stripe.connect.refuseTransfers = 'Transfers to this account are paused while Stripe reviews it.';
    const refused = await soldAndDelivered(t, owner, buyer, lamp.id);
    expect(
      await waitFor('the refused payout', async () => {
        const payout = await payoutReaches(t, owner, refused.id, 'HELD');
        return payout.holdReason?.includes('paused') ? payout : null;
      }),
    ).toMatchObject({ net: 2250 });
    stripe.connect.refuseTransfers = null;
    const payouts = (t.stack.subgraphs.find((s) => s.name === 'payments')!.services as PaymentsServices).payouts;
    expect(await payouts.retryRefused(new Date())).toBe(0);
    expect(await payouts.retryRefused(new Date(Date.now() + 61_000))).toBe(1);
    expect(await payoutReaches(t, owner, refused.id, 'PAID')).toMatchObject({ holdReason: null, net: 2250 });
    const keys = stripe.received
      .filter((r) => r.path === '/v1/transfers' && r.params.transfer_group === refused.id)
      .map((r) => [r.status, r.idempotencyKey]);
    expect(keys).toEqual([
      [400, expect.stringMatching(/-0$/)],
      [200, expect.stringMatching(/-1$/)],
    ]);
  });

  it('ignores Connect events about accounts that are not sellers’, and retries those not stored yet', async () => {
    const stranger = JSON.parse(
      JSON.stringify((stripe.connect.createAccount({}) as { body: { id: string } }).body),
    ) as { id: string };
    expect((await deliver(stripe.event('account.updated', stranger, stranger.id))).status).toBe(200);
    const unknownSeller = {
      ...stranger,
      id: 'acct_notyet',
      metadata: { sellerId: '0190aaaa-0000-7000-8000-000000000000' },
    };
    expect((await deliver(stripe.event('account.updated', unknownSeller, unknownSeller.id))).status).toBe(500);
    // The Connect secret signs Connect events only; nobody else's secret signs anything.
    const platformEvent = stripe.event('payment_intent.succeeded', {
      id: 'pi_forged',
      object: 'payment_intent',
      status: 'succeeded',
    });
    expect((await deliver(platformEvent, CONNECT_SECRET)).status).toBe(400);
    expect((await deliver(stripe.event('account.updated', stranger, stranger.id), 'whsec_someone_else')).status).toBe(
      400,
    );
  });
});
