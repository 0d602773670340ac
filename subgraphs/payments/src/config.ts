import { onlyWith, optionalUrl, readSlice, z, type ConfigSlice } from '@peerlink/platform/config';
import { choosePaymentProvider, type PaymentProviderChoice } from './provider-choice.js';

const whsec = z
  .string()
  .regex(/^whsec_/, 'a Stripe webhook signing secret (whsec_…)')
  .optional();

/** Payments' own variables: which card provider, how it is reached, and the platform's cut of sales. */
const paymentsSchema = z.object({
  /** Payments go through Stripe when set (`sk_test_…` or `sk_live_…`); the in-process sandbox otherwise. */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_/, 'a Stripe secret or restricted key (sk_… or rk_…)')
    .optional(),
  /** Stripe's API origin; only tests point it elsewhere (at a local server that speaks Stripe's API). */
  STRIPE_API_BASE: optionalUrl(['http', 'https']),
  /** Signs Stripe's webhook deliveries to POST /webhooks/stripe (`whsec_…`, from Stripe's dashboard or CLI). */
  STRIPE_WEBHOOK_SECRET: whsec,
  /**
   * Signs Stripe's deliveries of Connect events (sellers' payout accounts) when they come from a separate Connect
   * endpoint.
   */
  STRIPE_CONNECT_WEBHOOK_SECRET: whsec,
  /** One HTTP request to Stripe gives up after this (the SDK retries once more, under the same idempotency key). */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(8_000),
  /** Where buyers land after 3-D Secure; defaults to PUBLIC_URL + /payments/return. */
  STRIPE_RETURN_URL: optionalUrl(['http', 'https']),
  /**
   * Sandbox only: the length of every plan's billing period, so renewals can be watched in seconds rather than months.
   */
  SANDBOX_BILLING_PERIOD_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(366 * 24 * 3600)
    .optional(),
  /**
   * The platform's cut of each sale paid out to a seller: a percentage, 0 to 100, to the basis point (e.g. 10 or 2.9).
   */
  PLATFORM_FEE_PERCENT: z.coerce
    .number()
    .min(0)
    .max(100)
    .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9, 'at most two decimals (whole basis points)')
    .default(10),
});

export type PaymentsSettings = z.infer<typeof paymentsSchema>;

/** What payments' start() is handed: its settings, and the payment provider they select. */
export interface PaymentsConfig extends PaymentsSettings {
  provider: PaymentProviderChoice;
}

export const paymentsConfig: ConfigSlice<PaymentsConfig> = (env, platform) => {
  const settings = readSlice(paymentsSchema, env, (values, isSet) => {
    if (!values.STRIPE_SECRET_KEY) {
      return onlyWith(
        isSet,
        'STRIPE_SECRET_KEY',
        STRIPE_ONLY,
        'which selects Stripe (payments use the sandbox without it)',
      );
    }
    const problems: string[] = [];
    // Stripe confirms payments and renewals by webhook: without the secret none would be mounted.
    if (!values.STRIPE_WEBHOOK_SECRET)
      problems.push(
        'STRIPE_WEBHOOK_SECRET: required with STRIPE_SECRET_KEY (Stripe confirms payments by signed webhook)',
      );
    if (isSet('SANDBOX_BILLING_PERIOD_SECONDS'))
      problems.push(
        'SANDBOX_BILLING_PERIOD_SECONDS: a sandbox setting, not with STRIPE_SECRET_KEY (Stripe bills by the ' +
          'plans’ own periods)',
      );
    // Stripe's SDK tries twice (one retry): both fit in the deadline, or the second try is always cut short.
    if (2 * values.STRIPE_TIMEOUT_MS > platform.OUTSIDE_CALL_DEADLINE_MS) {
      problems.push(
        'STRIPE_TIMEOUT_MS: at most half of OUTSIDE_CALL_DEADLINE_MS (a request and its one retry fit in the deadline)',
      );
    }
    return problems;
  });
  return { ...settings, provider: choosePaymentProvider(settings, platform.publicUrl) };
};

const STRIPE_ONLY = [
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_CONNECT_WEBHOOK_SECRET',
  'STRIPE_API_BASE',
  'STRIPE_TIMEOUT_MS',
  'STRIPE_RETURN_URL',
];
