import { InfrastructureUnavailable } from '@peerlink/platform/errors';
import Stripe from 'stripe';
import type { MiddlewareFn } from 'type-graphql';

/**
 * Stripe could not be reached, failed on its side or asked us to slow down, after the SDK's own
 * retries: the client is told to try again (SERVICE_UNAVAILABLE), which with the same idempotency
 * key is safe, rather than getting an INTERNAL_SERVER_ERROR for Stripe's outage.
 */
export const stripeUnavailable: MiddlewareFn = async (_action, next) => {
  try {
    return await next();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError || error instanceof Stripe.errors.StripeRateLimitError) {
      throw new InfrastructureUnavailable('The payment provider is unavailable.', { cause: error });
    }
    throw error;
  }
};
