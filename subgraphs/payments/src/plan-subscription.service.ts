import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { lockKey, lockRow } from '@peerlink/platform/db/sql';
import { badInput, conflict, notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { isUuid } from '@peerlink/platform/ids';
import type { PaymentsEvents } from './events.js';
import { clientKey, type PaymentMethodService } from './payment-method.service.js';
import { LIVE_STATUSES, PlanSubscription, PlanSubscriptionStatus } from './plan-subscription.entity.js';
import { Plan } from './plan.entity.js';
import type { BillingEvent, PaymentProvider } from './provider.js';

export interface SubscribeInput {
  planId: string;
  paymentMethodId: string;
  idempotencyKey: string;
}

/**
 * Users' subscriptions to plans. The first period is charged when subscribing; after that the
 * provider renews on its own clock and its `BillingEvent`s (Stripe's webhooks, the sandbox's clock)
 * move the subscription, through `apply` alone.
 */
export class PlanSubscriptionService {
  constructor(
    private readonly outbox: Outbox<PaymentsEvents>,
    private readonly provider: PaymentProvider,
    private readonly paymentMethods: PaymentMethodService,
  ) {}

  private get em() {
    return this.outbox.orm.em as EntityManager;
  }

  /** The viewer's subscriptions, newest first. */
  mine(viewer: Viewer): Promise<PlanSubscription[]> {
    return this.em.find(PlanSubscription, { userId: viewer.userId }, { orderBy: { id: 'desc' } });
  }

  /** One of the viewer's subscriptions, or NOT_FOUND, as anyone else's is to them. */
  async owned(viewer: Viewer, id: string, em = this.em): Promise<PlanSubscription> {
    const subscription = isUuid(id) ? await em.findOne(PlanSubscription, { id, userId: viewer.userId }) : null;
    if (!subscription) throw notFound('Plan subscription');
    return subscription;
  }

  /**
   * Subscribes the viewer with one of their saved cards and charges the first period now. A decline
   * comes back as INCOMPLETE with the reason (nothing started; subscribe again with another card). The
   * same `idempotencyKey` returns the same subscription; a second live one to the plan is a CONFLICT.
   */
  async subscribe(viewer: Viewer, input: SubscribeInput): Promise<PlanSubscription> {
    const key = clientKey(input.idempotencyKey);
    const { userId } = viewer;
    return this.outbox.transaction(async (em, publish) => {
      // One subscribe at a time per user: a retry waits for the first, then finds its answer.
      await lockKey(em, `plan-subscriptions:${userId}`);
      const earlier = await em.findOne(PlanSubscription, { userId, idempotencyKey: key });
      if (earlier) return earlier;
      const plan = isUuid(input.planId) ? await em.findOne(Plan, { id: input.planId }) : null;
      if (!plan) throw notFound('Plan');
      if (!plan.active) throw badInput('This plan is archived: it takes no new subscribers.', 'planId');
      if (await em.count(PlanSubscription, { userId, planId: plan.id, status: { $in: LIVE_STATUSES } })) throw conflict('You already subscribe to this plan.', 'planId');
      const method = await this.paymentMethods.owned(em, viewer, input.paymentMethodId);
      const customerId = await this.paymentMethods.customerOf(em, userId);
      const started = await this.provider.createSubscription({
        customerId,
        providerPriceId: plan.providerPriceId,
        plan: { planId: plan.id, name: plan.name, amount: plan.amount, currency: plan.currency, interval: plan.interval },
        paymentMethodId: method.providerPaymentMethodId,
        idempotencyKey: `peerlink-plan-subscription-${userId}-${key}`,
        metadata: { userId, planId: plan.id },
      });
      const subscription = em.create(PlanSubscription, {
        userId,
        planId: plan.id,
        paymentMethodId: method.id,
        idempotencyKey: key,
        provider: this.provider.name,
        ...(started.status === 'ACTIVE'
          ? { status: PlanSubscriptionStatus.ACTIVE, providerSubscriptionId: started.providerSubscriptionId, currentPeriodEnd: started.currentPeriodEnd }
          : { status: PlanSubscriptionStatus.INCOMPLETE, latestPaymentFailure: started.failureReason }),
      });
      announce(publish, subscription);
      return subscription;
    });
  }

  /** Stops renewal: the owner keeps the plan until the period paid for ends, then it is CANCELLED. Cancelling twice is harmless. */
  async cancel(viewer: Viewer, id: string): Promise<PlanSubscription> {
    return this.outbox.transaction(async (em, publish) => {
      const { id: found } = await this.owned(viewer, id, em);
      const subscription = await this.locked(em, found);
      if (!LIVE_STATUSES.includes(subscription.status)) throw badInput(`A ${subscription.status} subscription cannot be cancelled.`, 'id');
      if (subscription.cancelAtPeriodEnd) return subscription;
      await this.provider.cancelAtPeriodEnd(subscription.providerSubscriptionId!);
      Object.assign(subscription, { cancelAtPeriodEnd: true, updatedAt: new Date() });
      announce(publish, subscription);
      return subscription;
    });
  }

  /**
   * The provider's news about a subscription, in the transaction that records the news once. Every
   * move is one-way, so repeated, late or out-of-order news is harmless: the period paid for only
   * grows; a failed invoice counts only for a period not yet paid; cancellation is never undone
   * (there is no resume); CANCELLED is final. News of a subscription we do not have is about one
   * still being made (its first invoice), which changes nothing: it is ignored.
   */
  async apply(em: EntityManager, publish: Publish<PaymentsEvents>, event: BillingEvent): Promise<void> {
    const found = await em.findOne(PlanSubscription, { providerSubscriptionId: event.providerSubscriptionId });
    if (!found) return;
    const subscription = await this.locked(em, found.id);
    if (subscription.status === PlanSubscriptionStatus.CANCELLED) return;
    const paidUntil = subscription.currentPeriodEnd?.getTime() ?? 0;
    switch (event.type) {
      case 'invoice.paid':
        if (event.periodEnd.getTime() <= paidUntil) return;
        Object.assign(subscription, { status: PlanSubscriptionStatus.ACTIVE, currentPeriodEnd: event.periodEnd, latestPaymentFailure: null });
        break;
      case 'invoice.payment_failed': {
        if (event.periodEnd.getTime() <= paidUntil) return;
        const newlyPastDue = subscription.status !== PlanSubscriptionStatus.PAST_DUE;
        Object.assign(subscription, { status: PlanSubscriptionStatus.PAST_DUE, latestPaymentFailure: event.reason });
        if (newlyPastDue) await this.announceFailure(em, publish, subscription, event.reason);
        break;
      }
      case 'subscription.cancelling':
        if (subscription.cancelAtPeriodEnd) return;
        subscription.cancelAtPeriodEnd = true;
        break;
      case 'subscription.ended':
        subscription.status = PlanSubscriptionStatus.CANCELLED;
        break;
    }
    subscription.updatedAt = new Date();
    await em.flush();
    announce(publish, subscription);
  }

  private async announceFailure(em: EntityManager, publish: Publish<PaymentsEvents>, subscription: PlanSubscription, reason: string) {
    const plan = await em.findOneOrFail(Plan, { id: subscription.planId });
    publish('payments.plan_subscription.renewal_failed', {
      planSubscriptionId: subscription.id,
      userId: subscription.userId,
      planId: plan.id,
      planName: plan.name,
      amount: plan.amount,
      currency: plan.currency,
      reason,
    });
  }

  private async locked(em: EntityManager, id: string): Promise<PlanSubscription> {
    await lockRow(em, 'plan_subscriptions', id);
    return em.findOneOrFail(PlanSubscription, { id }, { refresh: true });
  }
}

const announce = (publish: Publish<PaymentsEvents>, { id, userId }: PlanSubscription) =>
  publish('payments.plan_subscription.updated', { id, planSubscriptionId: id, recipientIds: [userId] });
