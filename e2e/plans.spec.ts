import { randomUUID } from 'node:crypto';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchivePlanDocument,
  CancelPlanSubscriptionDocument,
  CreatePlanDocument,
  MyPlanSubscriptionsDocument,
  NotificationsDocument,
  PlanSubscriptionDocument,
  PlanSubscriptionUpdatedDocument,
  PlansDocument,
  RemovePaymentMethodDocument,
  SubscribeToPlanDocument,
} from './generated/graphql.js';
import { codes, ok, request, Subscription, wsClient } from './support/client.js';
import { savedCard } from './support/payment-methods.js';
import { admin, plan, subscribe } from './support/plans.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

// Plans on the sandbox provider, whose billing clock renews every PERIOD seconds here.
const PERIOD = 2;
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ SANDBOX_BILLING_PERIOD_SECONDS: String(PERIOD) });
});
afterAll(() => t?.stop());

const subscriptionOf = async (token: string, id: string) =>
  (await request(t.url, PlanSubscriptionDocument, { id }, { token })).data?.planSubscription;
const periodEnd = (s: { currentPeriodEnd: string | null }) => new Date(s.currentPeriodEnd ?? 0).getTime();

describe('plans', () => {
  it('are made and archived by admins, and listed to anyone while on sale', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'user')]);
    const plus = await plan(t, boss, {
      name: 'PeerLink Plus',
      description: 'More of everything',
      amount: 499,
      interval: 'MONTH',
    });
    expect(plus).toMatchObject({
      name: 'PeerLink Plus',
      description: 'More of everything',
      amount: 499,
      currency: 'usd',
      interval: 'MONTH',
      active: true,
    });
    const yearly = await plan(t, boss, { interval: 'YEAR', amount: 4999 });
    expect((await ok(t.url, PlansDocument, {})).plans.map((p) => p.id)).toEqual(
      expect.arrayContaining([plus.id, yearly.id]),
    );
    expect(
      await codes(
        t.url,
        CreatePlanDocument,
        { input: { name: 'PeerLink Plus', amount: 100, currency: 'usd', interval: 'MONTH' } },
        boss.token,
      ),
    ).toEqual(['CONFLICT']);
    // Two admins racing with one name (whatever its case): one plan, one CONFLICT.
    const name = `Race ${randomUUID().slice(0, 6)}`;
    const raced = await Promise.all(
      [name, name.toUpperCase(), name.toLowerCase()].map((n) =>
        codes(
          t.url,
          CreatePlanDocument,
          { input: { name: n, amount: 100, currency: 'usd', interval: 'MONTH' } },
          boss.token,
        ),
      ),
    );
    expect(raced.flat().sort()).toEqual(['CONFLICT', 'CONFLICT']);

    expect(
      await codes(
        t.url,
        CreatePlanDocument,
        { input: { name: 'Mine', amount: 100, currency: 'usd', interval: 'MONTH' } },
        user.token,
      ),
    ).toEqual(['FORBIDDEN']);
    expect(
      await codes(t.url, CreatePlanDocument, {
        input: { name: 'Mine', amount: 100, currency: 'usd', interval: 'MONTH' },
      }),
    ).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, ArchivePlanDocument, { id: plus.id }, user.token)).toEqual(['FORBIDDEN']);
    for (const input of [
      { name: ' ', amount: 100, currency: 'usd' },
      { name: 'x'.repeat(81), amount: 100, currency: 'usd' },
      { name: 'Free', amount: 0, currency: 'usd' },
      { name: 'Odd', amount: 100, currency: 'USD' },
      { name: 'Unknown', amount: 100, currency: 'xyz' },
    ]) {
      expect(await codes(t.url, CreatePlanDocument, { input: { ...input, interval: 'MONTH' } }, boss.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
    }

    expect((await ok(t.url, ArchivePlanDocument, { id: yearly.id }, boss.token)).archivePlan.active).toBe(false);
    expect((await ok(t.url, PlansDocument, {})).plans.map((p) => p.id)).not.toContain(yearly.id);
    expect(await codes(t.url, ArchivePlanDocument, { id: randomUUID() }, boss.token)).toEqual(['NOT_FOUND']);
  });

  it('subscribe: ACTIVE at once, once per key and one live per plan; renewed on the provider’s clock, live for the owner only', async () => {
    const [boss, user, outsider] = await Promise.all([admin(t), signUp(t, 'user'), signUp(t, 'outsider')]);
    const plus = await plan(t, boss);
    const card = await savedCard(t, user);
    const key = randomUUID();
    const started = await subscribe(t, user, plus.id, card.id, key);
    expect(started).toMatchObject({
      status: 'ACTIVE',
      cancelAtPeriodEnd: false,
      latestPaymentFailure: null,
      plan: { id: plus.id, name: plus.name },
    });
    expect(periodEnd(started)).toBeGreaterThan(Date.now());
    // The same key: the same subscription (its period may have moved on by now).
    expect(await subscribe(t, user, plus.id, card.id, key)).toMatchObject({
      id: started.id,
      createdAt: started.createdAt,
      plan: started.plan,
    });
    expect(
      await codes(
        t.url,
        SubscribeToPlanDocument,
        { input: { planId: plus.id, paymentMethodId: card.id, idempotencyKey: randomUUID() } },
        user.token,
      ),
    ).toEqual(['CONFLICT']);

    const [mine, theirs] = [wsClient(t.url, user.token), wsClient(t.url, outsider.token)];
    const watch = new Subscription(mine, PlanSubscriptionUpdatedDocument, { planSubscriptionId: started.id });
    const snoop = new Subscription(theirs, PlanSubscriptionUpdatedDocument, { planSubscriptionId: started.id });
    const theirOwn = new Subscription(theirs, PlanSubscriptionUpdatedDocument, {});
    await waitFor(
      'every subscription',
      () => t.stack.gateway.live.subscriptionsOf(user.id) > 0 && t.stack.gateway.live.subscriptionsOf(outsider.id) > 1,
    );

    // The period ends; the sandbox charges the card again and the period moves on.
    const renewed = await waitFor('a renewal', async () => {
      const now = await subscriptionOf(user.token, started.id);
      return now && periodEnd(now) > periodEnd(started) ? now : null;
    });
    expect(renewed).toMatchObject({ status: 'ACTIVE', latestPaymentFailure: null });
    const live = await waitFor('the live renewal', () =>
      watch.results.find((r) => periodEnd(r.data!.planSubscriptionUpdated!) > periodEnd(started)),
    );
    expect(live.data?.planSubscriptionUpdated).toMatchObject({ id: started.id, status: 'ACTIVE' });
    // The outsider's own subscription changes after that renewal: once they see it, on the same
    // connection, a leaked renewal would have come before it.
    const theirs2 = await subscribe(t, outsider, plus.id, (await savedCard(t, outsider)).id);
    await waitFor('the outsider’s own update', () =>
      theirOwn.results.some((r) => r.data?.planSubscriptionUpdated!.id === theirs2.id),
    );
    expect(snoop.results).toEqual([]);
    expect(new Set(theirOwn.results.map((r) => r.data?.planSubscriptionUpdated!.id))).toEqual(new Set([theirs2.id]));
    await Promise.all([mine.dispose(), theirs.dispose()]);

    expect((await ok(t.url, MyPlanSubscriptionsDocument, {}, user.token)).myPlanSubscriptions.map((s) => s.id)).toEqual(
      [started.id],
    );
    expect(
      (await ok(t.url, MyPlanSubscriptionsDocument, {}, outsider.token)).myPlanSubscriptions.map((s) => s.id),
    ).toEqual([theirs2.id]);
    expect(await codes(t.url, PlanSubscriptionDocument, { id: started.id }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, CancelPlanSubscriptionDocument, { id: started.id }, outsider.token)).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('a renewal that cannot be paid: PAST_DUE with the reason, and the owner is notified', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'user')]);
    const plus = await plan(t, boss, { name: `Plus ${randomUUID().slice(0, 6)}`, amount: 1250 });
    const card = await savedCard(t, user);
    const started = await subscribe(t, user, plus.id, card.id);
    // The card it renews with goes away: the next renewal finds nothing to charge.
    await ok(t.url, RemovePaymentMethodDocument, { id: card.id }, user.token);
    const pastDue = await waitFor('the failed renewal', async () => {
      const now = await subscriptionOf(user.token, started.id);
      return now?.status === 'PAST_DUE' ? now : null;
    });
    expect(pastDue.latestPaymentFailure).toMatch(/removed/);
    const notice = await waitFor('the billing notification', async () =>
      (await ok(t.url, NotificationsDocument, { first: 20 }, user.token)).notifications.edges
        .map((e) => e.node)
        .find((n) => n.kind === 'BILLING'),
    );
    expect(notice).toMatchObject({
      title: `Your ${plus.name} renewal did not go through`,
      body: expect.stringContaining('$12.50'),
    });
  });

  it('a card declined from the start: INCOMPLETE with the reason, and the user may subscribe again', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'user')]);
    const plus = await plan(t, boss);
    const failing = await savedCard(t, user, 'pm_card_chargeCustomerFail');
    const incomplete = await subscribe(t, user, plus.id, failing.id);
    expect(incomplete).toMatchObject({
      status: 'INCOMPLETE',
      latestPaymentFailure: 'Your card was declined.',
      currentPeriodEnd: null,
    });
    expect(await codes(t.url, CancelPlanSubscriptionDocument, { id: incomplete.id }, user.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    const card = await savedCard(t, user);
    expect(await subscribe(t, user, plus.id, card.id)).toMatchObject({ status: 'ACTIVE' });
  });

  it('cancel: kept until the period ends, then CANCELLED for good', async () => {
    const [boss, user] = await Promise.all([admin(t), signUp(t, 'user')]);
    const plus = await plan(t, boss);
    const card = await savedCard(t, user);
    const started = await subscribe(t, user, plus.id, card.id);
    const { cancelPlanSubscription: cancelling } = await ok(
      t.url,
      CancelPlanSubscriptionDocument,
      { id: started.id },
      user.token,
    );
    expect(cancelling).toMatchObject({ status: 'ACTIVE', cancelAtPeriodEnd: true });
    // Again: harmless, whether or not the period has ended in between.
    expect(
      (await ok(t.url, CancelPlanSubscriptionDocument, { id: started.id }, user.token)).cancelPlanSubscription,
    ).toMatchObject({ id: started.id, cancelAtPeriodEnd: true });
    const ended = await waitFor('the end of the period', async () => {
      const now = await subscriptionOf(user.token, started.id);
      return now?.status === 'CANCELLED' ? now : null;
    });
    // Kept until the end of the period it was paid for (a renewal the sandbox made just before the cancel may have
    // moved it on).
    expect(Date.now()).toBeGreaterThanOrEqual(periodEnd(ended));
    expect(periodEnd(ended)).toBeGreaterThanOrEqual(periodEnd(cancelling));
    expect(
      (await ok(t.url, CancelPlanSubscriptionDocument, { id: started.id }, user.token)).cancelPlanSubscription,
    ).toEqual(ended);
    // Over: a new subscription to the same plan is allowed.
    expect(await subscribe(t, user, plus.id, card.id)).toMatchObject({ status: 'ACTIVE' });
  });

  it('refuses archived plans, other people’s cards, bad input and strangers; archived plans keep their subscribers', async () => {
    const [boss, user, outsider] = await Promise.all([admin(t), signUp(t, 'user'), signUp(t, 'outsider')]);
    const [kept, retired] = await Promise.all([plan(t, boss), plan(t, boss)]);
    const card = await savedCard(t, user);
    const theirCard = await savedCard(t, outsider);
    const before = await subscribe(t, user, retired.id, card.id);
    await ok(t.url, ArchivePlanDocument, { id: retired.id }, boss.token);
    const attempt = (input: { planId: string; paymentMethodId: string; idempotencyKey?: string }, token?: string) =>
      codes(t.url, SubscribeToPlanDocument, { input: { idempotencyKey: randomUUID(), ...input } }, token);

    expect(await attempt({ planId: retired.id, paymentMethodId: theirCard.id }, outsider.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    await waitFor('the archived plan’s subscriber to renew', async () => {
      const now = await subscriptionOf(user.token, before.id);
      return now?.status === 'ACTIVE' && periodEnd(now) > periodEnd(before);
    });
    expect(await attempt({ planId: kept.id, paymentMethodId: theirCard.id }, user.token)).toEqual(['NOT_FOUND']);
    expect(await attempt({ planId: kept.id, paymentMethodId: 'pm_card_visa' }, user.token)).toEqual(['NOT_FOUND']);
    expect(await attempt({ planId: randomUUID(), paymentMethodId: card.id }, user.token)).toEqual(['NOT_FOUND']);
    expect(await attempt({ planId: kept.id, paymentMethodId: card.id, idempotencyKey: ' ' }, user.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await attempt({ planId: kept.id, paymentMethodId: card.id })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, MyPlanSubscriptionsDocument, {})).toEqual(['UNAUTHENTICATED']);
    expect((await ok(t.url, MyPlanSubscriptionsDocument, {}, user.token)).myPlanSubscriptions.map((s) => s.id)).toEqual(
      [before.id],
    );
  });
});
