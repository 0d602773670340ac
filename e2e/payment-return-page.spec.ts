import type { Browser } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentStatusDocument } from './generated/graphql.js';
import { request } from './support/client.js';
import { FakeStripe, type StripeEvent } from './support/fake-stripe.js';
import { buy, listed, orderReaches, seller } from './support/marketplace.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { launchChromium } from './support/browser.js';

/**
 * Where Stripe sends a buyer back after 3-D Secure (`PUBLIC_URL/payments/return`, the default
 * STRIPE_RETURN_URL), with the intent's id and client secret in the address: the page says what
 * happened to the payment, driven in headless Chromium, on Stripe's adapter against a local fake.
 */
const WEBHOOK_SECRET = 'whsec_test_return_page';
const stripe = new FakeStripe();
let t: TestStack;
let browser: Browser;

beforeAll(async () => {
  await stripe.start();
  t = await startTestStack({
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_API_BASE: stripe.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await stripe.stop();
});

async function deliver(event: StripeEvent) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  const response = await fetch(new URL('/webhooks/stripe', t.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  expect(response.status).toBe(200);
}

/** An order whose payment waits for 3-D Secure, and the intent Stripe holds for it. */
async function waitingOrder() {
  const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
  const product = await listed(t, owner, { priceAmount: 2500, stock: 5 });
  const order = (await buy(t, buyer, product.id, 'pm_card_threeDSecure2Required')).orders[0]!;
  await waitFor(
    'the payment to need action',
    async () =>
      (await request(t.url, PaymentStatusDocument, { orderId: order.id }, { token: buyer.token })).data?.paymentStatus
        ?.status === 'REQUIRES_ACTION',
  );
  const intent = [...stripe.paymentIntents.values()].find(
    (i) => (i.metadata as Record<string, string>).orderId === order.id,
  )!;
  return { buyer, order, intent: { id: intent.id as string, secret: intent.client_secret as string } };
}

/** The address Stripe sends the buyer back to. */
const returnLink = (intent: { id: string; secret: string }, status = 'succeeded') => {
  const query = new URLSearchParams({
    payment_intent: intent.id,
    payment_intent_client_secret: intent.secret,
    redirect_status: status,
  });
  return new URL(`/payments/return?${query}`, t.url).href;
};

describe('the 3-D Secure return page', () => {
  it("waits for Stripe's word, then says the payment is confirmed, by itself", async () => {
    const { buyer, order, intent } = await waitingOrder();
    const page = await browser.newPage();
    await page.goto(returnLink(intent));
    // The address says "succeeded", but nothing is recorded yet: the page does not take its word.
    await page.getByRole('heading', { name: 'Waiting for confirmation' }).waitFor();

    await deliver(stripe.authenticate(intent.id, true));
    await orderReaches(t, buyer, order.id, 'PAID');
    // The page looks again on its own (a meta refresh: it runs no script).
    await page.getByRole('heading', { name: 'Payment confirmed' }).waitFor({ timeout: 15_000 });
    await expect(page.getByText(/your order is paid/).isVisible()).resolves.toBe(true);
    await page.close();
  });

  it('says a failed payment failed, and why', async () => {
    const { buyer, order, intent } = await waitingOrder();
    await deliver(stripe.authenticate(intent.id, false));
    await orderReaches(t, buyer, order.id, 'PAYMENT_FAILED');
    const page = await browser.newPage();
    await page.goto(returnLink(intent, 'failed'));
    await page.getByRole('heading', { name: 'Payment failed' }).waitFor();
    await expect(page.getByText(/failed authentication/).isVisible()).resolves.toBe(true);
    await page.close();
  });

  it("tells nothing to someone without the payment's client secret", async () => {
    const { intent } = await waitingOrder();
    await deliver(stripe.authenticate(intent.id, true));
    for (const link of [
      returnLink({ id: intent.id, secret: `${intent.secret}x` }),
      returnLink({ id: 'pi_unknown', secret: 'pi_unknown_secret_x' }),
      new URL('/payments/return', t.url).href,
    ]) {
      const html = await (await fetch(link)).text();
      expect(html).toContain('Payment submitted');
      expect(html).not.toMatch(/Payment confirmed|Payment failed|Waiting/);
    }
  });
});
