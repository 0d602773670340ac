import Stripe from 'stripe';

/**
 * A decline comes as an error carrying the intent it left behind. A payment method Stripe does not
 * know leaves none, so there is no id or secret to give. Anything else is ours or Stripe's to fix: it throws.
 */
export function refusalOf(error: unknown, intent: 'payment_intent' | 'setup_intent'): { failureReason: string; intentId: string; clientSecret: string } {
  if (error instanceof Stripe.errors.StripeCardError) {
    const left = error[intent];
    return { failureReason: error.message, intentId: left?.id ?? '', clientSecret: left?.client_secret ?? '' };
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError && error.param === 'payment_method') {
    return { failureReason: error.message, intentId: '', clientSecret: '' };
  }
  throw error;
}
