import type { Orm } from '@peerlink/platform/db/database';
import type Stripe from 'stripe';
import type { PaymentsSettings } from './config.js';
import { DatabaseLedger } from './sandbox/sandbox-ledger.js';
import { SandboxPayments } from './sandbox/sandbox-provider.js';
import { createStripeClient } from './stripe/stripe-client.js';
import { StripePayments } from './stripe/stripe-provider.js';

/**
 * The payment provider the settings select, chosen with every other adapter before anything starts.
 * Stripe comes ready (a client contacts nobody until asked); the sandbox keeps its side of things in
 * payments' own database, so it opens on that once payments starts.
 */
export type PaymentProviderChoice =
  | {
      kind: 'stripe';
      stripe: Stripe;
      provider: StripePayments;
      webhookSecrets: { signingSecret: string; connectSigningSecret?: string };
    }
  | { kind: 'sandbox'; open(orm: Orm): Promise<{ provider: SandboxPayments; ledger: DatabaseLedger }> };

/** Stripe when a secret key is set; the sandbox otherwise. */
export function choosePaymentProvider(settings: PaymentsSettings, publicUrl: string): PaymentProviderChoice {
  if (settings.STRIPE_SECRET_KEY) {
    const stripe = createStripeClient({
      secretKey: settings.STRIPE_SECRET_KEY,
      apiBase: settings.STRIPE_API_BASE,
      timeoutMs: settings.STRIPE_TIMEOUT_MS,
    });
    return {
      kind: 'stripe',
      stripe,
      provider: new StripePayments({ stripe, returnUrl: settings.STRIPE_RETURN_URL ?? `${publicUrl}/payments/return` }),
      // paymentsConfig refuses a key without its webhook secret.
      webhookSecrets: {
        signingSecret: settings.STRIPE_WEBHOOK_SECRET!,
        connectSigningSecret: settings.STRIPE_CONNECT_WEBHOOK_SECRET,
      },
    };
  }
  return {
    kind: 'sandbox',
    async open(orm) {
      // The ledger in this database means a restart forgets no card or charge.
      const ledger = await DatabaseLedger.open(orm);
      const provider = new SandboxPayments(`${publicUrl}/payments/sandbox/authenticate`, {
        billingPeriodSeconds: settings.SANDBOX_BILLING_PERIOD_SECONDS,
        ledger,
      });
      return { provider, ledger };
    },
  };
}
