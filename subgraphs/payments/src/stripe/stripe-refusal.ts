import Stripe from 'stripe';

/**
 * A decline comes as an error carrying the intent it left behind. A payment method Stripe does not
 * know leaves none, so there is no id or secret to give. Anything else is ours or Stripe's to fix: it throws.
 */
export function refusalOf(
  error: unknown,
  intent: 'payment_intent' | 'setup_intent',
): { failureReason: string; intentId: string; clientSecret: string } {
  if (error instanceof Stripe.errors.StripeCardError) {
    const left = error[intent];
    return { failureReason: error.message, intentId: left?.id ?? '', clientSecret: left?.client_secret ?? '' };
  }
  // A card Stripe does not know, or an amount outside what Stripe charges in that currency (at least
  // $0.50, say): asking again would be refused again, so the payment fails with Stripe's words.
  if (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    (error.param === 'payment_method' || error.code === 'amount_too_small' || error.code === 'amount_too_large')
  ) {
    return { failureReason: error.message, intentId: '', clientSecret: '' };
  }
  throw error;
}
