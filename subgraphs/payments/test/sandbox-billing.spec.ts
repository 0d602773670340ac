import { describe, expect, it } from 'vitest';
import { SubscriptionGone, type PlanTerms } from '#src/provider';
import { SandboxPayments } from '#src/sandbox/sandbox-provider';

const plan: PlanTerms = { planId: 'plan', name: 'Plus', amount: 999, currency: 'usd', interval: 'MONTH' };
const later = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

/** A sandbox with a 60-second billing period, a customer, a saved card and a subscription paid with it. */
async function subscribed(testId = 'pm_card_visa') {
  const sandbox = new SandboxPayments(undefined, { billingPeriodSeconds: 60 });
  const { customerId } = await sandbox.createCustomer('0195f000-0000-7000-8000-000000000001');
  const setup = await sandbox.setupPaymentMethod({
    customerId,
    paymentMethodId: testId,
    idempotencyKey: 'setup',
    metadata: {},
  });
  if (setup.status !== 'SUCCEEDED') throw new Error(setup.status);
  const started = await sandbox.createSubscription({
    customerId,
    providerPriceId: 'price',
    plan,
    paymentMethodId: setup.paymentMethodId,
    idempotencyKey: 'sub',
    metadata: {},
  });
  if (started.status !== 'ACTIVE') throw new Error(started.status);
  return { sandbox, started, paymentMethodId: setup.paymentMethodId };
}

describe('the sandbox billing clock', () => {
  it('renews nothing before the period ends, then charges the card and moves the period on', async () => {
    const { sandbox, started } = await subscribed();
    const end = started.currentPeriodEnd;
    expect(sandbox.renewDue(later(end, -1))).toEqual([]);
    expect(sandbox.renewDue(end)).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        type: 'invoice.paid',
        providerSubscriptionId: started.providerSubscriptionId,
        periodEnd: later(end, 60),
      },
    ]);
    expect(sandbox.renewDue(later(end, 30))).toEqual([]);
  });

  it('leaves a subscription past due when its card is gone, and tries again a period later', async () => {
    const { sandbox, started, paymentMethodId } = await subscribed();
    await sandbox.detachPaymentMethod(paymentMethodId);
    const end = started.currentPeriodEnd;
    expect(sandbox.renewDue(end)).toEqual([
      expect.objectContaining({
        type: 'invoice.payment_failed',
        periodEnd: later(end, 60),
        reason: expect.stringMatching(/removed/),
      }),
    ]);
    expect(sandbox.renewDue(later(end, 59))).toEqual([]);
    expect(sandbox.renewDue(later(end, 60))).toEqual([expect.objectContaining({ type: 'invoice.payment_failed' })]);
  });

  it('ends a subscription cancelled at period end, once, when the period is over', async () => {
    const { sandbox, started } = await subscribed();
    await sandbox.cancelAtPeriodEnd(started.providerSubscriptionId);
    expect(sandbox.renewDue(later(started.currentPeriodEnd, -1))).toEqual([]);
    expect(sandbox.renewDue(started.currentPeriodEnd)).toEqual([
      expect.objectContaining({ type: 'subscription.ended', providerSubscriptionId: started.providerSubscriptionId }),
    ]);
    expect(sandbox.renewDue(later(started.currentPeriodEnd, 600))).toEqual([]);
    // Ended: the sandbox refuses to cancel it again, as Stripe refuses a subscription it has ended.
    await expect(sandbox.cancelAtPeriodEnd(started.providerSubscriptionId)).rejects.toThrow(SubscriptionGone);
  });

  it('renews by the calendar month without a configured period', async () => {
    const sandbox = new SandboxPayments();
    const { customerId } = await sandbox.createCustomer('0195f000-0000-7000-8000-000000000002');
    const setup = await sandbox.setupPaymentMethod({
      customerId,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: 'setup',
      metadata: {},
    });
    if (setup.status !== 'SUCCEEDED') throw new Error(setup.status);
    const started = await sandbox.createSubscription({
      customerId,
      providerPriceId: 'price',
      plan,
      paymentMethodId: setup.paymentMethodId,
      idempotencyKey: 'sub',
      metadata: {},
    });
    if (started.status !== 'ACTIVE') throw new Error(started.status);
    const expected = new Date();
    expected.setUTCMonth(expected.getUTCMonth() + 1);
    expect(Math.abs(started.currentPeriodEnd.getTime() - expected.getTime())).toBeLessThan(5000);
    expect(sandbox.billingTickMs).toBe(60_000);
  });
});
