import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { lockKey, lockRow } from '@peerlink/platform/db/sql';
import { badInput, conflict, notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { requestFingerprint, requireSameRequest } from '@peerlink/platform/idempotency';
import { isUuid } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import { clientKey, type PaymentMethodService } from '../payment-methods/payment-method.service.js';
import { PaymentMethod } from '../payment-methods/payment-method.entity.js';
import { HELD_STATUSES, LIVE_STATUSES, PlanSubscription, PlanSubscriptionStatus } from './plan-subscription.entity.js';
import { Plan } from './plan.entity.js';
import { SubscriptionGone, type BillingEvent, type PaymentProvider } from '../provider.js';

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
    private readonly logger: Logger,
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
   *
   * The subscription is claimed as PENDING and committed before the provider is asked, with a provider
   * key made from its id: if recording the answer fails, the same key (or Stripe's webhook, which names
   * the row in the metadata) finishes that row with the same provider subscription, never a second one.
   */
  async subscribe(viewer: Viewer, input: SubscribeInput): Promise<PlanSubscription> {
    const claimed = await this.claim(viewer, input);
    if (claimed.status !== PlanSubscriptionStatus.PENDING) return claimed;
    const finished = await this.finish(claimed);
    // Another key's subscription to this plan was left pending: finished now, the viewer's request is judged again.
    return finished.idempotencyKey === clientKey(input.idempotencyKey) ? finished : this.subscribe(viewer, input);
  }

  /**
   * The viewer's subscription under this key, made PENDING if new; or their pending one to the plan, to finish first.
   */
  private claim(viewer: Viewer, input: SubscribeInput): Promise<PlanSubscription> {
    const key = clientKey(input.idempotencyKey);
    const { userId } = viewer;
    const fingerprint = requestFingerprint({
      planId: input.planId.trim().toLowerCase(),
      paymentMethodId: input.paymentMethodId.trim().toLowerCase(),
    });
    return this.outbox.transaction(async (em) => {
      // One claim at a time per user: a retry waits for the first, then finds its row.
      await lockKey(em, `plan-subscriptions:${userId}`);
      const earlier = await em.findOne(PlanSubscription, { userId, idempotencyKey: key });
      if (earlier) {
        requireSameRequest(earlier.requestFingerprint, fingerprint);
        return earlier;
      }
      const plan = isUuid(input.planId) ? await em.findOne(Plan, { id: input.planId }) : null;
      if (!plan) throw notFound('Plan');
      if (!plan.active) throw badInput('This plan is archived: it takes no new subscribers.', 'planId');
      if (!plan.providerPriceId)
        throw conflict(
          'This plan is not on sale yet: the payment provider has not made its price. Try again shortly.',
          'planId',
        );
      const held = await em.findOne(PlanSubscription, { userId, planId: plan.id, status: { $in: HELD_STATUSES } });
      if (held?.status === PlanSubscriptionStatus.PENDING) return held;
      if (held) throw conflict('You already subscribe to this plan.', 'planId');
      const method = await this.paymentMethods.owned(em, viewer, input.paymentMethodId);
      return em.create(PlanSubscription, {
        userId,
        planId: plan.id,
        paymentMethodId: method.id,
        idempotencyKey: key,
        requestFingerprint: fingerprint,
        provider: this.provider.name,
        status: PlanSubscriptionStatus.PENDING,
      });
    });
  }

  /**
   * Subscriptions left PENDING (the provider's answer was lost, and neither its webhook nor the
   * subscriber's retry has come) are asked for again under their own key from a minute old, so none
   * blocks its plan for good. Stripe forgets keys after 24 hours: older ones are left to its webhook,
   * and logged, rather than risk a second subscription. Returns how many were finished.
   */
  async finishStale(now = new Date()): Promise<number> {
    const minute = 60_000;
    const stale = await this.em.fork().find(
      PlanSubscription,
      {
        status: PlanSubscriptionStatus.PENDING,
        createdAt: { $lt: new Date(now.getTime() - minute), $gt: new Date(now.getTime() - 23 * 60 * minute) },
      },
      { orderBy: { id: 'asc' }, limit: 50 },
    );
    let finished = 0;
    for (const pending of stale) {
      try {
        if ((await this.finish(pending)).status !== PlanSubscriptionStatus.PENDING) finished++;
      } catch (err) {
        this.logger.warn(
          { err, planSubscriptionId: pending.id },
          'a pending plan subscription could not be finished yet',
        );
      }
    }
    const abandoned = await this.em.fork().count(PlanSubscription, {
      status: PlanSubscriptionStatus.PENDING,
      createdAt: { $lte: new Date(now.getTime() - 23 * 60 * minute) },
    });
    if (abandoned)
      this.logger.error({ count: abandoned }, 'plan subscriptions pending for a day: check them against the provider');
    return finished;
  }

  /**
   * Asks the provider to start a claimed subscription (again, after a failure: the same key gets the same answer), then
   * records the answer.
   */
  private async finish(pending: PlanSubscription): Promise<PlanSubscription> {
    const { id, userId } = pending;
    const request = await this.em.fork().transactional(async (em) => {
      const plan = await em.findOneOrFail(Plan, { id: pending.planId });
      const method = await em.findOneOrFail(PaymentMethod, { id: pending.paymentMethodId });
      return {
        customerId: await this.paymentMethods.customerOf(em, userId),
        providerPriceId: plan.providerPriceId,
        plan: {
          planId: plan.id,
          name: plan.name,
          amount: plan.amount,
          currency: plan.currency,
          interval: plan.interval,
        },
        paymentMethodId: method.providerPaymentMethodId,
        idempotencyKey: `peerlink-plan-subscription-${id}`,
        metadata: { userId, planId: plan.id, planSubscriptionId: id },
      };
    });
    const started = await this.provider.createSubscription(request);
    return this.outbox.transaction(async (em, publish) => {
      const subscription = await this.locked(em, id);
      // Stripe's webhook may have finished it meanwhile.
      if (subscription.status !== PlanSubscriptionStatus.PENDING) return subscription;
      Object.assign(
        subscription,
        started.status === 'ACTIVE'
          ? {
              status: PlanSubscriptionStatus.ACTIVE,
              providerSubscriptionId: started.providerSubscriptionId,
              currentPeriodEnd: started.currentPeriodEnd,
            }
          : { status: PlanSubscriptionStatus.INCOMPLETE, latestPaymentFailure: started.failureReason },
        { updatedAt: new Date() },
      );
      if (started.status === 'ACTIVE') await this.announcePaid(em, publish, subscription, started.currentPeriodEnd);
      announce(publish, subscription);
      return subscription;
    });
  }

  /**
   * Stops renewal: the owner keeps the plan until the period paid for ends, then it is CANCELLED.
   * Cancelling twice, or once it is over, is harmless. If the provider has already ended it (Stripe did after failed
   * renewals, and its webhook has not come yet), it is CANCELLED now: that is what the webhook would
   * say, and what the owner asked for.
   */
  async cancel(viewer: Viewer, id: string): Promise<PlanSubscription> {
    // The provider is asked with no transaction open (asking twice is harmless: it stops renewing once),
    // then the answer is recorded on the subscription locked, unless it moved on meanwhile.
    const seen = await this.owned(viewer, id, this.em.fork());
    if (seen.status === PlanSubscriptionStatus.CANCELLED || seen.cancelAtPeriodEnd) return seen;
    if (!LIVE_STATUSES.includes(seen.status))
      throw badInput(`A ${seen.status} subscription cannot be cancelled.`, 'id');
    const gone = await this.provider.cancelAtPeriodEnd(seen.providerSubscriptionId!).then(
      () => false,
      (error: unknown) => {
        if (error instanceof SubscriptionGone) return true;
        throw error;
      },
    );
    return this.outbox.transaction(async (em, publish) => {
      const subscription = await this.locked(em, seen.id);
      if (subscription.status === PlanSubscriptionStatus.CANCELLED || subscription.cancelAtPeriodEnd)
        return subscription;
      Object.assign(
        subscription,
        { cancelAtPeriodEnd: true, updatedAt: new Date() },
        gone && { status: PlanSubscriptionStatus.CANCELLED },
      );
      announce(publish, subscription);
      return subscription;
    });
  }

  /**
   * The provider's news about a subscription, in the transaction that records the news once. Every
   * move is one-way, so repeated, late or out-of-order news is harmless: the period paid for only
   * grows; a failed invoice counts only for a period not yet paid; cancellation is never undone
   * (there is no resume); CANCELLED is final. News of a PENDING one (its first invoice, named by our id
   * in the metadata) finishes it, as the answer we failed to record would have.
   */
  async apply(em: EntityManager, publish: Publish<PaymentsEvents>, event: BillingEvent): Promise<void> {
    const found = await this.subscriptionOf(em, event);
    if (!found) return;
    const subscription = await this.locked(em, found.id);
    if (subscription.status === PlanSubscriptionStatus.CANCELLED) return;
    if (subscription.status === PlanSubscriptionStatus.PENDING)
      subscription.providerSubscriptionId = event.providerSubscriptionId;
    const paidUntil = subscription.currentPeriodEnd?.getTime() ?? 0;
    switch (event.type) {
      case 'invoice.paid':
        if (event.periodEnd.getTime() <= paidUntil) return;
        Object.assign(subscription, {
          status: PlanSubscriptionStatus.ACTIVE,
          currentPeriodEnd: event.periodEnd,
          latestPaymentFailure: null,
        });
        await this.announcePaid(em, publish, subscription, event.periodEnd);
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

  /**
   * A period paid for, told once: callers tell it only as the period paid for grows (an invoice paid twice, or late,
   * moves nothing), and `(planSubscriptionId, periodEnd)` names it for those who count it.
   */
  private async announcePaid(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    subscription: PlanSubscription,
    periodEnd: Date,
  ) {
    const plan = await em.findOneOrFail(Plan, { id: subscription.planId });
    publish('payments.plan_subscription.paid', {
      planSubscriptionId: subscription.id,
      userId: subscription.userId,
      planId: plan.id,
      amount: plan.amount,
      currency: plan.currency,
      periodEnd: periodEnd.toISOString(),
    });
  }

  private async announceFailure(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    subscription: PlanSubscription,
    reason: string,
  ) {
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

  /**
   * Ours by the provider's id, or a pending one by the id in the metadata. Anything else naming one of
   * ours (a second provider subscription for one row, a row we do not have) means money taken that we
   * do not record: logged as an error for someone to look at, not retried (retrying cannot fix it).
   */
  private async subscriptionOf(em: EntityManager, event: BillingEvent): Promise<PlanSubscription | null> {
    const known = await em.findOne(PlanSubscription, { providerSubscriptionId: event.providerSubscriptionId });
    if (known) return known;
    const { planSubscriptionId, userId } = event.metadata ?? {};
    if (!planSubscriptionId && !userId) return null;
    const named =
      planSubscriptionId && isUuid(planSubscriptionId)
        ? await em.findOne(PlanSubscription, { id: planSubscriptionId })
        : null;
    if (named?.status === PlanSubscriptionStatus.PENDING && !named.providerSubscriptionId) return named;
    this.logger.error(
      {
        event: event.type,
        providerSubscriptionId: event.providerSubscriptionId,
        planSubscriptionId,
        userId,
        recorded: named && { status: named.status, providerSubscriptionId: named.providerSubscriptionId },
      },
      'billing news about a provider subscription we do not record, although its metadata names our user',
    );
    return null;
  }

  private async locked(em: EntityManager, id: string): Promise<PlanSubscription> {
    await lockRow(em, 'plan_subscriptions', id);
    return em.findOneOrFail(PlanSubscription, { id }, { refresh: true });
  }
}

const announce = (publish: Publish<PaymentsEvents>, { id, userId }: PlanSubscription) =>
  publish('payments.plan_subscription.updated', { id, planSubscriptionId: id, recipientIds: [userId] });
