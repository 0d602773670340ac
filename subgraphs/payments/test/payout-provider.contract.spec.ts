import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransferRefused, type PayoutProvider, type TransferRequest } from '#src/payouts/payout-provider';
import { SandboxPayouts } from '#src/sandbox/sandbox-payouts';
import { createStripeClient } from '#src/stripe/stripe-client';
import { StripePayments } from '#src/stripe/stripe-provider';
import { StripePayouts } from '#src/stripe/stripe-payouts';
import { FakeStripe } from '../../../e2e/support/fake-stripe.js';

const returnUrl = 'https://app.peerlink.test/payouts/return?payouts=return';
const refreshUrl = 'https://app.peerlink.test/payouts/return?payouts=refresh';

interface Adapter {
  name: string;
  open(): Promise<{
    provider: PayoutProvider;
    /** What the seller does on the provider's onboarding pages. */
    onboard(providerAccountId: string): void;
    /** A buyer's succeeded payment of `amount`, to transfer from; null where the provider does not tie them. */
    paid(amount: number): Promise<string | null>;
    /** Transfers the provider made (each key once), refused or not. */
    transfersMade(): number;
    close(): Promise<void>;
  }>;
}

const adapters: Adapter[] = [
  {
    name: 'SandboxPayouts',
    async open() {
      const sandbox = new SandboxPayouts();
      // The sandbox keeps one answer per key; reading its private map is the only way to count them.
      const transfers = () => [...sandbox['answered'].keys()].filter((key) => key.startsWith('transfer-')).length;
      return {
        provider: sandbox,
        onboard: () => {},
        paid: async () => null,
        transfersMade: transfers,
        close: async () => {},
      };
    },
  },
  {
    name: 'StripePayouts (fake Stripe)',
    async open() {
      const fake = new FakeStripe();
      await fake.start();
      const stripe = createStripeClient({ secretKey: fake.secretKey, apiBase: fake.url });
      const payments = new StripePayments({ stripe, returnUrl });
      let charges = 0;
      return {
        provider: new StripePayouts(stripe),
        onboard: (id) => void fake.completeOnboarding(id),
        paid: async (amount) =>
          (
            await payments.confirmPayment({
              amount,
              currency: 'usd',
              paymentMethodId: 'pm_card_visa',
              idempotencyKey: `contract-pay-${++charges}`,
              metadata: {},
            })
          ).providerPaymentId,
        transfersMade: () => fake.received.filter((r) => r.path === '/v1/transfers' && !r.replayed).length,
        close: () => fake.stop(),
      };
    },
  },
];

let keys = 0;
const transferOf = (
  providerAccountId: string,
  providerPaymentId: string | null,
  overrides: Partial<TransferRequest> = {},
): TransferRequest => ({
  amount: 2250,
  currency: 'usd',
  providerAccountId,
  orderId: `order-${++keys}`,
  providerPaymentId,
  idempotencyKey: `transfer-${keys}`,
  metadata: { payoutId: `payout-${keys}` },
  ...overrides,
});

describe.each(adapters)('PayoutProvider contract: $name', ({ open }) => {
  let adapter: Awaited<ReturnType<Adapter['open']>>;
  let provider: PayoutProvider;

  beforeEach(async () => {
    adapter = await open();
    provider = adapter.provider;
  });
  afterEach(() => adapter.close());

  /** A seller's account that has been through onboarding. */
  async function enabledAccount() {
    const account = await provider.createAccount({ sellerId: `seller-${++keys}`, idempotencyKey: `account-${keys}` });
    adapter.onboard(account.providerAccountId);
    return account.providerAccountId;
  }

  it('creates one account per idempotency key, and another for another key', async () => {
    const first = await provider.createAccount({ sellerId: 'seller-a', idempotencyKey: 'account-a' });
    expect(first.providerAccountId).toMatch(/^acct_/);
    expect(await provider.createAccount({ sellerId: 'seller-a', idempotencyKey: 'account-a' })).toEqual(first);
    expect(
      (await provider.createAccount({ sellerId: 'seller-b', idempotencyKey: 'account-b' })).providerAccountId,
    ).not.toBe(first.providerAccountId);
    await expect(provider.createAccount({ sellerId: 'seller-c', idempotencyKey: 'account-a' })).rejects.toThrow(
      /same parameters/,
    );
  });

  it('makes a new, expiring http(s) onboarding link on every call', async () => {
    const { providerAccountId } = await provider.createAccount({ sellerId: 'seller-l', idempotencyKey: 'account-l' });
    const first = await provider.onboardingLink({ providerAccountId, returnUrl, refreshUrl });
    const second = await provider.onboardingLink({ providerAccountId, returnUrl, refreshUrl });
    expect(['http:', 'https:']).toContain(new URL(first.url).protocol);
    expect(second.url).not.toBe(first.url);
    expect(first.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(first.expiresAt.getTime()).toBeLessThan(Date.now() + 24 * 3600_000);
    await expect(
      provider.onboardingLink({ providerAccountId: 'acct_nobody', returnUrl, refreshUrl }),
    ).rejects.toThrow();
  });

  it('can receive transfers once onboarded, and says so', async () => {
    const providerAccountId = await enabledAccount();
    expect(await provider.account(providerAccountId)).toEqual({
      providerAccountId,
      transfersEnabled: true,
      payoutsEnabled: true,
      detailsSubmitted: true,
    });
  });

  it('transfers to an enabled account once per idempotency key', async () => {
    const account = await enabledAccount();
    const request = transferOf(account, await adapter.paid(2500));
    const before = adapter.transfersMade();
    const first = await provider.transfer(request);
    expect(first.providerTransferId).toMatch(/^tr_/);
    expect(await provider.transfer({ ...request, metadata: { ...request.metadata } })).toEqual(first);
    expect(adapter.transfersMade() - before).toBe(1);
    await expect(provider.transfer({ ...request, amount: 100 })).rejects.toThrow(/same parameters/);
    const another = await provider.transfer(transferOf(account, await adapter.paid(2500)));
    expect(another.providerTransferId).not.toBe(first.providerTransferId);
  });

  it('refuses a transfer to an account that does not exist, and remembers the refusal under its key', async () => {
    const request = transferOf('acct_nobody', await adapter.paid(2500));
    await expect(provider.transfer(request)).rejects.toBeInstanceOf(TransferRefused);
    await expect(provider.transfer(request)).rejects.toBeInstanceOf(TransferRefused);
  });

  it('reverses part of a transfer, then the rest, then refuses more', async () => {
    const { providerTransferId } = await provider.transfer(
      transferOf(await enabledAccount(), await adapter.paid(2500)),
    );
    const reversal = (amount: number) => ({
      providerTransferId,
      amount,
      idempotencyKey: `reversal-${++keys}`,
      metadata: { refund: String(keys) },
    });
    const part = await provider.reverse(reversal(900));
    expect(part.providerReversalId).toMatch(/^trr_/);
    const request = reversal(1350);
    const rest = await provider.reverse(request);
    expect(await provider.reverse(request)).toEqual(rest);
    await expect(provider.reverse(reversal(1))).rejects.toBeInstanceOf(TransferRefused);
  });
});

describe('StripePayouts', () => {
  let fake: FakeStripe;
  beforeEach(async () => {
    fake = new FakeStripe();
    await fake.start();
  });
  afterEach(() => fake.stop());

  it('makes Express accounts that take transfers, links to onboarding, and transfers from the buyer’s charge', async () => {
    const stripe = createStripeClient({ secretKey: fake.secretKey, apiBase: fake.url });
    const provider = new StripePayouts(stripe);
    const account = await provider.createAccount({
      sellerId: 'seller-1',
      idempotencyKey: 'peerlink-payout-account-seller-1',
    });
    expect(account).toEqual({
      providerAccountId: expect.stringMatching(/^acct_/),
      transfersEnabled: false,
      payoutsEnabled: false,
      detailsSubmitted: false,
    });
    await expect(provider.transfer(transferOf(account.providerAccountId, null))).rejects.toThrow(
      /capabilities enabled: transfers/,
    );
    await provider.onboardingLink({ providerAccountId: account.providerAccountId, returnUrl, refreshUrl });
    fake.completeOnboarding(account.providerAccountId);
    const { providerPaymentId } = await new StripePayments({ stripe, returnUrl }).confirmPayment({
      amount: 2500,
      currency: 'usd',
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: 'pay-1',
      metadata: {},
    });
    const request = transferOf(account.providerAccountId, providerPaymentId, {
      orderId: 'order-1',
      idempotencyKey: 'peerlink-payout-p1-0',
      metadata: { payoutId: 'p1' },
    });
    const { providerTransferId } = await provider.transfer(request);
    await provider.reverse({ providerTransferId, amount: 900, idempotencyKey: 'rev-1', metadata: { payoutId: 'p1' } });

    const charge = fake.paymentIntents.get(providerPaymentId)!.latest_charge;
    expect(
      fake.received
        .filter((r) => r.method === 'POST' && r.path !== '/v1/payment_intents')
        .map(({ path, idempotencyKey, params }) => ({ path, idempotencyKey, params })),
    ).toEqual([
      {
        path: '/v1/accounts',
        idempotencyKey: 'peerlink-payout-account-seller-1',
        params: {
          'controller[stripe_dashboard][type]': 'express',
          'controller[fees][payer]': 'application',
          'controller[losses][payments]': 'application',
          'capabilities[transfers][requested]': 'true',
          'metadata[sellerId]': 'seller-1',
        },
      },
      {
        path: '/v1/transfers',
        idempotencyKey: expect.any(String),
        params: expect.objectContaining({ destination: account.providerAccountId }),
      },
      {
        path: '/v1/account_links',
        idempotencyKey: expect.any(String),
        params: {
          account: account.providerAccountId,
          type: 'account_onboarding',
          return_url: returnUrl,
          refresh_url: refreshUrl,
        },
      },
      {
        path: '/v1/transfers',
        idempotencyKey: 'peerlink-payout-p1-0',
        params: {
          amount: '2250',
          currency: 'usd',
          destination: account.providerAccountId,
          transfer_group: 'order-1',
          source_transaction: charge,
          'metadata[payoutId]': 'p1',
        },
      },
      {
        path: `/v1/transfers/${providerTransferId}/reversals`,
        idempotencyKey: 'rev-1',
        params: { amount: '900', 'metadata[payoutId]': 'p1' },
      },
    ]);
  });
});
