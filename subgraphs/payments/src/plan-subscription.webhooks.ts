import type { PlanSubscriptionService } from './plan-subscription.service.js';
import { billingEventOf } from './stripe-billing.js';
import type { StripeEventHandler, StripeEventHandlers } from './stripe-webhooks.js';

/** Renewals paid or failed, and cancellations, as Stripe Billing reports them. */
export function planSubscriptionWebhooks(subscriptions: PlanSubscriptionService): StripeEventHandlers {
  const handle: StripeEventHandler = async (em, publish, event) => {
    const billing = billingEventOf(event);
    if (billing) await subscriptions.apply(em, publish, billing);
  };
  return { 'invoice.paid': handle, 'invoice.payment_failed': handle, 'customer.subscription.updated': handle, 'customer.subscription.deleted': handle };
}
