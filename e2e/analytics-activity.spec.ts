import { randomUUID } from 'node:crypto';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PlanSubscriptionDocument,
  PlatformReportDocument,
  RebuildAnalyticsDocument,
  RefreshSessionDocument,
  RegisterDocument,
  SellerReportDocument,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { FakeStripe, type StripeEvent } from './support/fake-stripe.js';
import { savedCard } from './support/payment-methods.js';
import { admin, plan, subscribe } from './support/plans.js';
import { newUser, signUp, startTestStack, type TestStack } from './support/stack.js';
import { around, dateIn } from './support/periods.js';

/**
 * Activity and money the platform report counts beyond actions and sales: a user who stays signed in and only reads
 * (their session refreshes), and plan subscriptions paid through Stripe Billing (the fake Stripe's webhooks).
 */
let t: TestStack;
let db: pg.Client;
const stripe = new FakeStripe();
const WEBHOOK_SECRET = 'whsec_test_peerlink';
beforeAll(async () => {
  await stripe.start();
  t = await startTestStack({
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_API_BASE: stripe.url,
    STRIPE_RETURN_URL: 'https://shop.example/payments/return',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
  await stripe.stop();
});

const platform = async (token: string, timeZone = 'UTC') =>
  (await ok(t.url, PlatformReportDocument, { period: around(timeZone) }, token)).platformReport;
const count = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows[0].n as number;

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

describe('active users', () => {
  it('counts a user who only refreshes their session as active that day, in any time zone, with two rows a day', async () => {
    const boss = await admin(t);
    const { register } = await ok(t.url, RegisterDocument, { input: newUser('reader') });
    const reader = register.user.id;
    await waitFor('the sign-ups in the analytics facts', async () => {
      const n = await count('select count(*)::int as n from analytics.facts where actor_id = any($1)', [
        [boss.id, reader],
      ]);
      return n === 5 || null;
    });
    // As if the reader had signed up and in 40 days ago (in no day, nor the 30 days, the reports look at): their
    // logged events moved back, and every read model folded again from the log.
    await db.query(
      "update analytics.event_log set occurred_at = occurred_at - interval '40 days' where payload->>'userId' = $1",
      [reader],
    );
    await ok(t.url, RebuildAnalyticsDocument, {}, boss.token);
    const zones = ['UTC', 'Asia/Kathmandu', 'America/St_Johns'];
    const before = await Promise.all(zones.map((zone) => platform(boss.token, zone)));

    // Three refreshes through the gateway, each with the token the one before gave; and one with a token that is not.
    const refreshedOn = zones.map((zone) => dateIn(zone));
    let token = register.refreshToken;
    for (let i = 0; i < 3; i++)
      token = (await ok(t.url, RefreshSessionDocument, { refreshToken: token })).refreshSession.refreshToken;
    expect(await codes(t.url, RefreshSessionDocument, { refreshToken: randomUUID() })).toEqual(['UNAUTHENTICATED']);

    const after = await waitFor('the reader active again', async () => {
      const reports = await Promise.all(zones.map((zone) => platform(boss.token, zone)));
      return reports.every((r, i) => r.monthlyActiveUsers === before[i]!.monthlyActiveUsers + 1) ? reports : null;
    });
    zones.forEach((_zone, i) => {
      const dayOf = (r: (typeof after)[number]) => r.days.find((d) => d.date === refreshedOn[i])!.activeUsers;
      expect(dayOf(after[i]!)).toBe(dayOf(before[i]!) + 1);
    });
    // The first and last refresh of the day, in the facts and in the log: not one row per refresh.
    const sessionFacts = () =>
      count("select count(*)::int as n from analytics.facts where actor_id = $1 and kind = 'SESSION_ACTIVE'", [reader]);
    const loggedRefreshes = () =>
      count(
        `select count(*)::int as n from analytics.event_log
         where name = 'identity.session.refreshed' and payload->>'userId' = $1`,
        [reader],
      );
    expect(await sessionFacts()).toBe(2);
    await waitFor('the log to keep two refreshes', async () => (await loggedRefreshes()) === 2 || null);

    // A rebuild from the log, with its middle refresh gone, gives the same figures.
    await ok(t.url, RebuildAnalyticsDocument, {}, boss.token);
    expect(await Promise.all(zones.map((zone) => platform(boss.token, zone)))).toEqual(after);
    expect(await sessionFacts()).toBe(2);
  });
});

describe('plan subscriptions in gross volume', () => {
  it('counts each paid period once, in the platform’s gross volume and in no seller’s report', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'subscriber')]);
    // A currency nothing else here charges in, so the gross volume in it is the plan's alone.
    const plus = await plan(t, boss, { amount: 1500, currency: 'chf', interval: 'MONTH' });
    const card = await savedCard(t, user);
    const started = await subscribe(t, user, plus.id, card.id);
    expect(started).toMatchObject({ status: 'ACTIVE' });
    const id = [...stripe.billing.subscriptions.values()].find(
      (s) => (s.metadata as Record<string, string>).planSubscriptionId === started.id,
    )!.id;
    const chf = async () =>
      (await platform(boss.token)).money
        .filter((m) => m.grossVolume.currency === 'chf')
        .reduce((sum, m) => sum + m.grossVolume.amount, 0);
    expect(await waitFor('the first period counted', async () => ((await chf()) === 1500 ? 1500 : null))).toBe(1500);

    // The first invoice's webhook, late, and a renewal's, twice and once more as a new event: one more period.
    const [createdPaid] = stripe.billing.started.get(id)!;
    await deliver(createdPaid!);
    const [renewalPaid] = stripe.billing.renew(id);
    await deliver(renewalPaid!);
    await deliver(renewalPaid!);
    await deliver(stripe.event('invoice.paid', renewalPaid!.data.object));
    const renewed = await waitFor('the renewal', async () => {
      const now = (await ok(t.url, PlanSubscriptionDocument, { id: started.id }, user.token)).planSubscription;
      return now && Date.parse(now.currentPeriodEnd!) > Date.parse(started.currentPeriodEnd!) ? now : null;
    });
    expect(await waitFor('the renewal counted', async () => ((await chf()) === 3000 ? 3000 : null))).toBe(3000);

    // The same period told twice more on the bus, as a relay sending again would: counted once.
    const repeated = {
      planSubscriptionId: started.id,
      userId: user.id,
      planId: plus.id,
      amount: 1500,
      currency: 'chf',
      periodEnd: renewed.currentPeriodEnd!,
    };
    const ids = [randomUUID(), randomUUID()];
    for (const eventId of ids)
      await t.stack.infrastructure.bus.publish({
        id: eventId,
        name: 'payments.plan_subscription.paid',
        occurredAt: new Date().toISOString(),
        payload: repeated,
      });
    await waitFor('both in the analytics log', async () => {
      const n = await count('select count(*)::int as n from analytics.event_log where event_id = any($1)', [ids]);
      return n === 2 || null;
    });
    expect(await chf()).toBe(3000);

    // Plans are the platform's revenue: neither the subscriber's nor the admin's seller report has it.
    for (const sellerId of [user.id, boss.id]) {
      const { sellerReport } = await ok(t.url, SellerReportDocument, { period: around(), sellerId }, boss.token);
      expect(sellerReport.totals.filter((total) => total.revenue.currency === 'chf')).toEqual([]);
    }
    await ok(t.url, RebuildAnalyticsDocument, {}, boss.token);
    expect(await chf()).toBe(3000);
  });
});
