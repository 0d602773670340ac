import Stripe from 'stripe';

export interface StripeClientOptions {
  /** A secret (`sk_…`) or restricted (`rk_…`) API key. */
  secretKey: string;
  /** Stripe's API origin; `https://api.stripe.com` unless tests point it at a fake. */
  apiBase?: string;
  /**
   * One HTTP request gives up after this (STRIPE_TIMEOUT_MS); with its one retry it fits in an outside call's deadline.
   */
  timeoutMs?: number;
}

/** The one Stripe SDK client that every Stripe adapter (payments, saved methods, plans, payouts) shares. */
export function createStripeClient({
  secretKey,
  apiBase = 'https://api.stripe.com',
  timeoutMs = 8_000,
}: StripeClientOptions): Stripe {
  if (!/^(sk|rk)_(test|live)_/.test(secretKey))
    throw new Error('Stripe needs a secret or restricted API key (sk_… or rk_…).');
  const api = new URL(apiBase);
  const protocol = api.protocol === 'http:' ? 'http' : 'https';
  // Retrying is safe: every request that changes something carries an idempotency key. One retry,
  // not Stripe's default 80 s timeout: an outside call's deadline bounds both (payments' config.ts checks).
  return new Stripe(secretKey, {
    host: api.hostname,
    port: api.port || (protocol === 'http' ? 80 : 443),
    protocol,
    timeout: timeoutMs,
    maxNetworkRetries: 1,
  });
}
