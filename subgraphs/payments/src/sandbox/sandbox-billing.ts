import { randomBytes } from 'node:crypto';
import { MemoryLedger, type DurableMap, type SandboxLedger } from './sandbox-ledger.js';
import {
  SubscriptionGone,
  type BillingEvent,
  type PaymentOutcome,
  type PlanInterval,
  type StartedSubscription,
  type SubscriptionRequest,
} from '../provider.js';

interface SandboxSubscription {
  id: string;
  customerId: string;
  paymentMethodId: string;
  interval: PlanInterval;
  periodEnd: Date;
  /** When the next renewal is tried: the period's end, or a while after a failed attempt. */
  nextAttempt: Date;
  cancelAtPeriodEnd: boolean;
  status: 'active' | 'past_due' | 'canceled';
}

type ChargeSaved = (request: {
  paymentMethodId: string;
  customerId: string;
  amount: number;
  currency: string;
}) => PaymentOutcome;

/**
 * The sandbox's subscriptions, renewed on its own clock like Stripe Billing's: each `renewDue` charges
 * the saved card of every subscription whose period is over, and reports what happened as the
 * `BillingEvent`s Stripe's webhooks would bring. A failed renewal leaves it past due and is tried again
 * one period later. `periodSeconds` (SANDBOX_BILLING_PERIOD_SECONDS) replaces months and years.
 */
export class SandboxBilling {
  private readonly subscriptions: DurableMap<SandboxSubscription & { amount: number; currency: string }>;
  private readonly started: DurableMap<StartedSubscription>;

  constructor(
    private readonly chargeSaved: ChargeSaved,
    private readonly periodSeconds?: number,
    ledger: SandboxLedger = new MemoryLedger(),
  ) {
    this.subscriptions = ledger.map('subscriptions');
    this.started = ledger.map('subscriptions-by-key');
  }

  async create({
    customerId,
    plan,
    paymentMethodId,
    idempotencyKey,
  }: SubscriptionRequest): Promise<StartedSubscription> {
    const earlier = this.started.get(idempotencyKey);
    if (earlier) return earlier;
    const first = this.chargeSaved({ paymentMethodId, customerId, amount: plan.amount, currency: plan.currency });
    let started: StartedSubscription;
    if (first.status !== 'SUCCEEDED') {
      started = {
        status: 'FAILED',
        failureReason:
          first.status === 'FAILED' ? first.failureReason : 'Your bank asked to authenticate this payment.',
      };
    } else {
      const periodEnd = this.advance(new Date(), plan.interval);
      const id = `sub_sandbox_${randomBytes(12).toString('hex')}`;
      const { interval, amount, currency } = plan;
      this.subscriptions.set(id, {
        id,
        customerId,
        paymentMethodId,
        interval,
        amount,
        currency,
        periodEnd,
        nextAttempt: periodEnd,
        cancelAtPeriodEnd: false,
        status: 'active',
      });
      started = { status: 'ACTIVE', providerSubscriptionId: id, currentPeriodEnd: periodEnd };
    }
    this.started.set(idempotencyKey, started);
    return started;
  }

  async cancelAtPeriodEnd(id: string): Promise<void> {
    const subscription = this.subscriptions.get(id);
    // Forgotten at a restart, or ended: as Stripe refuses a subscription it has ended.
    if (!subscription || subscription.status === 'canceled')
      throw new SubscriptionGone(`No such subscription: '${id}'`);
    subscription.cancelAtPeriodEnd = true;
    this.subscriptions.touch(id);
  }

  renewDue(now: Date): (BillingEvent & { id: string })[] {
    const events: (BillingEvent & { id: string })[] = [];
    const report = (event: BillingEvent) =>
      events.push({ ...event, id: `evt_sandbox_${randomBytes(12).toString('hex')}` });
    for (const subscription of this.subscriptions.values()) {
      const providerSubscriptionId = subscription.id;
      if (subscription.status === 'canceled') continue;
      if (subscription.cancelAtPeriodEnd) {
        if (subscription.periodEnd <= now) {
          subscription.status = 'canceled';
          this.subscriptions.touch(providerSubscriptionId);
          report({ type: 'subscription.ended', providerSubscriptionId });
        }
        continue;
      }
      if (subscription.nextAttempt > now) continue;
      const periodEnd = this.advance(subscription.periodEnd, subscription.interval);
      const renewal = this.chargeSaved(subscription);
      if (renewal.status === 'SUCCEEDED') {
        Object.assign(subscription, { periodEnd, nextAttempt: periodEnd, status: 'active' });
        this.subscriptions.touch(providerSubscriptionId);
        report({ type: 'invoice.paid', providerSubscriptionId, periodEnd });
      } else {
        Object.assign(subscription, { nextAttempt: this.advance(now, subscription.interval), status: 'past_due' });
        this.subscriptions.touch(providerSubscriptionId);
        const reason =
          renewal.status === 'FAILED' ? renewal.failureReason : 'Your bank asked to authenticate this payment.';
        report({ type: 'invoice.payment_failed', providerSubscriptionId, periodEnd, reason });
      }
    }
    return events;
  }

  /** How often the clock should look: often enough to renew close to each period's end. */
  get tickMs(): number {
    return this.periodSeconds ? Math.max(200, Math.min(60_000, (this.periodSeconds * 1000) / 4)) : 60_000;
  }

  private advance(from: Date, interval: PlanInterval): Date {
    if (this.periodSeconds) return new Date(from.getTime() + this.periodSeconds * 1000);
    const next = new Date(from);
    if (interval === 'MONTH') next.setUTCMonth(next.getUTCMonth() + 1);
    else next.setUTCFullYear(next.getUTCFullYear() + 1);
    return next;
  }
}
