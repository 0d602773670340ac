import type { Logger } from '@peerlink/platform/logger';
import type { PlanSubscriptionService } from './plan-subscription.service.js';
import { billingEventOf } from '../stripe/stripe-billing.js';
import type { StripeEventHandler, StripeEventHandlers } from '../stripe/stripe-webhooks.js';

/** Renewals paid or failed, and cancellations, as Stripe Billing reports them. */
export function planSubscriptionWebhooks(subscriptions: PlanSubscriptionService, logger: Logger): StripeEventHandlers {
  const handle: StripeEventHandler = async (em, publish, event) => {
    const billing = billingEventOf(event);
    if (billing) return subscriptions.apply(em, publish, billing);
    // PeerLink makes no invoices but its subscriptions': one we cannot read would be a renewal lost.
    if (event.type.startsWith('invoice.')) {
      logger.error(
        { event: event.type, eventId: event.id, apiVersion: event.api_version },
        'Stripe invoice event names no subscription we can read: is the webhook endpoint on the Stripe SDK’s ' +
          'API version?',
      );
    }
  };
  return {
    'invoice.paid': handle,
    'invoice.payment_failed': handle,
    'customer.subscription.updated': handle,
    'customer.subscription.deleted': handle,
  };
}
