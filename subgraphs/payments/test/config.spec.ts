import { paymentsConfig } from '#src/config';
import { configProblems, readSliceOf } from '@peerlink/platform/testing/config-problems';
import { describe, expect, it } from 'vitest';

const load = (env: Record<string, string> = {}) => readSliceOf(paymentsConfig, env);
const refused = (values: Record<string, string>) => configProblems(() => load(values));
const stripe = { STRIPE_SECRET_KEY: 'sk_test_peerlink', STRIPE_WEBHOOK_SECRET: 'whsec_peerlink' };

describe('payments’ configuration', () => {
  it('selects the sandbox with no Stripe key, and Stripe with a key and its webhook secret', () => {
    expect(load().provider.kind).toBe('sandbox');
    // docker compose passes `${STRIPE_SECRET_KEY:-}` as an empty string: that is unset.
    expect(load({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' }).provider.kind).toBe('sandbox');
    const chosen = load({ ...stripe, STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_connect' }).provider;
    expect(chosen.kind).toBe('stripe');
    expect(chosen.kind === 'stripe' && chosen.webhookSecrets).toEqual({
      signingSecret: 'whsec_peerlink',
      connectSigningSecret: 'whsec_connect',
    });
  });

  it('refuses a Stripe key without its webhook secret: no webhook would confirm a payment', () => {
    expect(refused({ STRIPE_SECRET_KEY: 'sk_test_peerlink' })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET: required with STRIPE_SECRET_KEY/),
    ]);
  });

  it('refuses Stripe’s settings without a Stripe key, each by name', () => {
    expect(
      refused({
        STRIPE_WEBHOOK_SECRET: 'whsec_peerlink',
        STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_connect',
        STRIPE_API_BASE: 'http://127.0.0.1:12111',
        STRIPE_TIMEOUT_MS: '5000',
        STRIPE_RETURN_URL: 'https://shop.example/return',
      }),
    ).toEqual(
      [
        'STRIPE_WEBHOOK_SECRET',
        'STRIPE_CONNECT_WEBHOOK_SECRET',
        'STRIPE_API_BASE',
        'STRIPE_TIMEOUT_MS',
        'STRIPE_RETURN_URL',
      ].map((name) => expect.stringMatching(new RegExp(`^${name}: set without STRIPE_SECRET_KEY`))),
    );
  });

  it('refuses the sandbox’s billing period beside a Stripe key', () => {
    expect(load({ SANDBOX_BILLING_PERIOD_SECONDS: '5' })).toMatchObject({
      SANDBOX_BILLING_PERIOD_SECONDS: 5,
      provider: { kind: 'sandbox' },
    });
    expect(refused({ ...stripe, SANDBOX_BILLING_PERIOD_SECONDS: '5' })).toEqual([
      expect.stringMatching(/^SANDBOX_BILLING_PERIOD_SECONDS: a sandbox setting/),
    ]);
  });

  it('refuses a Stripe timeout whose one retry cannot fit in an outside call’s deadline', () => {
    expect(load(stripe).STRIPE_TIMEOUT_MS).toBe(8_000);
    expect(refused({ ...stripe, STRIPE_TIMEOUT_MS: '10001' })).toEqual([
      expect.stringMatching(/^STRIPE_TIMEOUT_MS: at most half of OUTSIDE_CALL_DEADLINE_MS/),
    ]);
    expect(load({ ...stripe, OUTSIDE_CALL_DEADLINE_MS: '1000', STRIPE_TIMEOUT_MS: '400' }).STRIPE_TIMEOUT_MS).toBe(400);
  });

  it('checks the format of Stripe’s keys', () => {
    expect(refused({ STRIPE_SECRET_KEY: 'pk_test_publishable', STRIPE_WEBHOOK_SECRET: 'secret' })).toEqual([
      expect.stringMatching(/^STRIPE_SECRET_KEY: a Stripe secret or restricted key/),
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET: a Stripe webhook signing secret/),
    ]);
  });

  it('takes the platform fee as a percentage to the basis point, 10 unless set', () => {
    expect(load().PLATFORM_FEE_PERCENT).toBe(10);
    expect(['0', '2.9', '12.34', '100'].map((v) => load({ PLATFORM_FEE_PERCENT: v }).PLATFORM_FEE_PERCENT)).toEqual([
      0, 2.9, 12.34, 100,
    ]);
    for (const bad of ['-1', '100.01', '2.925', 'ten'])
      expect(refused({ PLATFORM_FEE_PERCENT: bad })).toEqual([expect.stringMatching(/^PLATFORM_FEE_PERCENT/)]);
  });
});
