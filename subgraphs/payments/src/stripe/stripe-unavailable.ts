import Stripe from 'stripe';

/**
 * Stripe could not be reached, failed on its side or asked us to slow down, after the SDK's own
 * retries: the client is told to try again (SERVICE_UNAVAILABLE), which with the same idempotency
 * key is safe, rather than getting an INTERNAL_SERVER_ERROR for Stripe's outage.
 */
export const stripeUnavailable = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeConnectionError ||
  error instanceof Stripe.errors.StripeAPIError ||
  error instanceof Stripe.errors.StripeRateLimitError;
