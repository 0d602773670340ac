import type Stripe from 'stripe';
import type { PayoutAccountService } from './payout-account.service.js';
import type { StripeEventHandlers } from '../stripe/stripe-webhooks.js';

/**
 * Connect: a seller's account changed (onboarding finished, requirements came due...). The event names the account it
 * is about.
 */
export function accountWebhooks(accounts: PayoutAccountService): StripeEventHandlers {
  return {
    'account.updated': (em, _publish, event, afterCommit) => {
      const account = event.data.object as Stripe.Account;
      return accounts.changed(em, event.account ?? account.id, !!account.metadata?.sellerId, event.id, afterCommit);
    },
  };
}
