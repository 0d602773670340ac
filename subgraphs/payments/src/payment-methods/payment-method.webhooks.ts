import type Stripe from 'stripe';
import type { PaymentMethodService } from './payment-method.service.js';
import { idOf } from '../stripe/stripe-payment-methods.js';
import type { StripeEventHandlers } from '../stripe/stripe-webhooks.js';

/** A card setup finished after 3-D Secure, or from Stripe.js: the card is saved, or the setup failed. */
export function setupIntentWebhooks(methods: PaymentMethodService): StripeEventHandlers {
  return {
    'setup_intent.succeeded': (em, _publish, event, afterCommit) => {
      const intent = event.data.object as Stripe.SetupIntent;
      return methods.finishSetup(
        em,
        intent.id,
        { status: 'SUCCEEDED', paymentMethodId: idOf(intent.payment_method) },
        afterCommit,
      );
    },
    'setup_intent.setup_failed': (em, _publish, event, afterCommit) => {
      const intent = event.data.object as Stripe.SetupIntent;
      return methods.finishSetup(
        em,
        intent.id,
        { status: 'FAILED', reason: intent.last_setup_error?.message ?? 'The card could not be saved.' },
        afterCommit,
      );
    },
  };
}
