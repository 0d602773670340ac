import Stripe from 'stripe';
import {
  TransferRefused,
  type ConnectedAccount,
  type PayoutProvider,
  type TransferRequest,
} from '../payouts/payout-provider.js';

/**
 * Sellers' payouts through Stripe Connect: Express accounts (Stripe hosts onboarding and a light
 * dashboard; the platform pays Stripe's fees and bears losses) that only receive transfers, which
 * is what "separate charges and transfers" needs: the platform charges the buyer, then moves the
 * seller's share. Our idempotency keys are sent as Stripe's.
 */
export class StripePayouts implements PayoutProvider {
  readonly name = 'stripe';

  constructor(private readonly stripe: Stripe) {}

  async createAccount({
    sellerId,
    idempotencyKey,
  }: {
    sellerId: string;
    idempotencyKey: string;
  }): Promise<ConnectedAccount> {
    const account = await this.stripe.accounts.create(
      {
        controller: {
          stripe_dashboard: { type: 'express' },
          fees: { payer: 'application' },
          losses: { payments: 'application' },
        },
        capabilities: { transfers: { requested: true } },
        metadata: { sellerId },
      },
      { idempotencyKey },
    );
    return stateOf(account);
  }

  async account(providerAccountId: string): Promise<ConnectedAccount> {
    return stateOf(await this.stripe.accounts.retrieve(providerAccountId));
  }

  async onboardingLink({
    providerAccountId,
    returnUrl,
    refreshUrl,
  }: {
    providerAccountId: string;
    returnUrl: string;
    refreshUrl: string;
  }) {
    const link = await this.stripe.accountLinks.create({
      account: providerAccountId,
      type: 'account_onboarding',
      return_url: returnUrl,
      refresh_url: refreshUrl,
    });
    return { url: link.url, expiresAt: new Date(link.expires_at * 1000) };
  }

  async transfer({
    amount,
    currency,
    providerAccountId,
    orderId,
    providerPaymentId,
    idempotencyKey,
    metadata,
  }: TransferRequest): Promise<{ providerTransferId: string }> {
    // Tied to the buyer's charge, the transfer waits for that charge's funds rather than needing an available balance
    // now.
    const sourceTransaction = providerPaymentId ? await this.chargeOf(providerPaymentId) : null;
    try {
      const transfer = await this.stripe.transfers.create(
        {
          amount,
          currency,
          destination: providerAccountId,
          transfer_group: orderId,
          ...(sourceTransaction && { source_transaction: sourceTransaction }),
          metadata,
        },
        { idempotencyKey },
      );
      return { providerTransferId: transfer.id };
    } catch (error) {
      // The account cannot receive money yet, the charge has too little left...: not worth retrying as it is.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) throw new TransferRefused(error.message);
      throw error;
    }
  }

  async reverse({
    providerTransferId,
    amount,
    idempotencyKey,
    metadata,
  }: {
    providerTransferId: string;
    amount: number;
    idempotencyKey: string;
    metadata: Record<string, string>;
  }) {
    try {
      const reversal = await this.stripe.transfers.createReversal(
        providerTransferId,
        { amount, metadata },
        { idempotencyKey },
      );
      return { providerReversalId: reversal.id };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError) throw new TransferRefused(error.message);
      throw error;
    }
  }

  private async chargeOf(providerPaymentId: string): Promise<string | null> {
    if (!providerPaymentId.startsWith('pi_')) return null;
    const intent = await this.stripe.paymentIntents.retrieve(providerPaymentId);
    const charge = intent.latest_charge;
    return typeof charge === 'string' ? charge : (charge?.id ?? null);
  }
}

/** What an Account says about receiving money; `transfers` is the capability a destination needs. */
export function stateOf(
  account: Pick<Stripe.Account, 'id' | 'capabilities' | 'payouts_enabled' | 'details_submitted'>,
): ConnectedAccount {
  return {
    providerAccountId: account.id,
    transfersEnabled: account.capabilities?.transfers === 'active',
    payoutsEnabled: account.payouts_enabled ?? false,
    detailsSubmitted: account.details_submitted ?? false,
  };
}
