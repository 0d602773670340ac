import Stripe from 'stripe';
import {
  PlanTermsRefused,
  SubscriptionGone,
  type BillingEvent,
  type PlanTerms,
  type RecurringBilling,
  type StartedSubscription,
  type SubscriptionRequest,
} from '../provider.js';
import { idOf } from './stripe-payment-methods.js';

/**
 * Plans through Stripe Billing: a Product and a monthly or yearly Price per plan, and Subscriptions
 * whose first invoice is paid at once with a saved card (`error_if_incomplete`: a decline is an
 * answer now, not a subscription left waiting). Saved cards were set up for off-session use, so the
 * first payment needs no customer present; should the bank still ask for authentication, that is a
 * failure the user can retry with another card.
 */
export class StripeBilling implements RecurringBilling {
  constructor(private readonly stripe: Stripe) {}

  async createPlanPrice({ planId, name, amount, currency, interval }: PlanTerms): Promise<{ providerPriceId: string }> {
    const product = await this.stripe.products.create(
      { name, metadata: { planId } },
      { idempotencyKey: `peerlink-plan-${planId}-product` },
    );
    try {
      const price = await this.stripe.prices.create(
        {
          product: product.id,
          unit_amount: amount,
          currency,
          recurring: { interval: interval === 'MONTH' ? 'month' : 'year' },
          metadata: { planId },
        },
        { idempotencyKey: `peerlink-plan-${planId}-price` },
      );
      return { providerPriceId: price.id };
    } catch (error) {
      // A currency Stripe does not take, an amount beyond its limits: the admin's to change.
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        (error.param === 'currency' || error.param === 'unit_amount')
      ) {
        throw new PlanTermsRefused(error.message, error.param === 'currency' ? 'currency' : 'amount');
      }
      throw error;
    }
  }

  async createSubscription({
    customerId,
    providerPriceId,
    paymentMethodId,
    idempotencyKey,
    metadata,
  }: SubscriptionRequest): Promise<StartedSubscription> {
    try {
      const subscription = await this.stripe.subscriptions.create(
        {
          customer: customerId,
          items: [{ price: providerPriceId }],
          default_payment_method: paymentMethodId,
          payment_behavior: 'error_if_incomplete',
          off_session: true,
          metadata,
        },
        { idempotencyKey },
      );
      return { status: 'ACTIVE', providerSubscriptionId: subscription.id, currentPeriodEnd: periodEndOf(subscription) };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) return { status: 'FAILED', failureReason: error.message };
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.param === 'default_payment_method')
        return { status: 'FAILED', failureReason: error.message };
      throw error;
    }
  }

  async cancelAtPeriodEnd(providerSubscriptionId: string): Promise<void> {
    try {
      await this.stripe.subscriptions.update(providerSubscriptionId, { cancel_at_period_end: true });
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && (await this.gone(providerSubscriptionId)))
        throw new SubscriptionGone(error.message);
      throw error;
    }
  }

  /** Stripe refuses to change a subscription it has ended; its words for that vary, its state does not. */
  private async gone(providerSubscriptionId: string): Promise<boolean> {
    try {
      const { status } = await this.stripe.subscriptions.retrieve(providerSubscriptionId);
      return status === 'canceled' || status === 'incomplete_expired';
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return true;
      throw error;
    }
  }
}

/** Since API version 2025-03-31 the period lives on each subscription item (our requests pin the SDK's version). */
const periodEndOf = (subscription: Stripe.Subscription) =>
  new Date((subscription.items.data[0]?.current_period_end ?? 0) * 1000);

/**
 * Where an invoice names its subscription. Webhook bodies come in the endpoint's API version, not
 * the SDK's: before 2025-03-31 it was `subscription` and `subscription_details` at the top level.
 */
function subscriptionOfInvoice(invoice: Stripe.Invoice): { id: string | null; metadata: Record<string, string> } {
  const older = invoice as unknown as {
    subscription?: string | { id: string } | null;
    subscription_details?: { metadata?: Record<string, string> | null } | null;
  };
  const details = invoice.parent?.subscription_details;
  return {
    id: idOf(details?.subscription ?? older.subscription) || null,
    metadata: { ...(details?.metadata ?? older.subscription_details?.metadata ?? {}) },
  };
}

/**
 * Stripe's events as `BillingEvent`s. Invoices decide ACTIVE and PAST_DUE (each names the period it
 * pays for); of the subscription's own events only cancellation matters. Anything else: null.
 */
export function billingEventOf(event: Stripe.Event): BillingEvent | null {
  switch (event.type) {
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      const { id: providerSubscriptionId, metadata } = subscriptionOfInvoice(invoice);
      // A renewal invoice's own period is the one just ended; its line is the period it pays for.
      const periodEnd = new Date((invoice.lines.data[0]?.period.end ?? invoice.period_end) * 1000);
      if (!providerSubscriptionId) return null;
      if (event.type === 'invoice.paid') return { type: 'invoice.paid', providerSubscriptionId, periodEnd, metadata };
      const retry = invoice.next_payment_attempt
        ? ` Stripe tries again on ${new Date(invoice.next_payment_attempt * 1000).toISOString().slice(0, 10)}.`
        : '';
      return {
        type: 'invoice.payment_failed',
        providerSubscriptionId,
        periodEnd,
        metadata,
        reason: `The renewal payment failed (attempt ${invoice.attempt_count}).${retry}`,
      };
    }
    case 'customer.subscription.updated': {
      const subscription = event.data.object;
      const metadata = { ...subscription.metadata };
      if (subscription.status === 'canceled')
        return { type: 'subscription.ended', providerSubscriptionId: subscription.id, metadata };
      return subscription.cancel_at_period_end
        ? { type: 'subscription.cancelling', providerSubscriptionId: subscription.id, metadata }
        : null;
    }
    case 'customer.subscription.deleted':
      return {
        type: 'subscription.ended',
        providerSubscriptionId: event.data.object.id,
        metadata: { ...event.data.object.metadata },
      };
    default:
      return null;
  }
}
