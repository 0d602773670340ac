/**
 * Where sellers' shares go: a connected account per seller at the provider, onboarded on the
 * provider's own pages, and transfers to it from the platform's balance. `SandboxPayouts` needs
 * nothing outside the process; `StripePayouts` uses Stripe Connect. Every call that moves money
 * takes an idempotency key: the same key with the same arguments answers as the first time.
 */
export interface PayoutProvider {
  /** Stored with each account, e.g. 'sandbox' or 'stripe'. */
  readonly name: string;
  /** A connected account for a seller; the same key gives back the same account. */
  createAccount(request: { sellerId: string; idempotencyKey: string }): Promise<ConnectedAccount>;
  /** The account as the provider sees it now. */
  account(providerAccountId: string): Promise<ConnectedAccount>;
  /** A fresh, short-lived link to the provider's onboarding pages; each call makes a new one. */
  onboardingLink(request: {
    providerAccountId: string;
    returnUrl: string;
    refreshUrl: string;
  }): Promise<{ url: string; expiresAt: Date }>;
  /** Sends `amount` to the account. Refusals the seller or the platform must fix reject with `TransferRefused`. */
  transfer(request: TransferRequest): Promise<{ providerTransferId: string }>;
  /** Takes back part of a transfer (a refund after the seller was paid). The same key reverses once. */
  reverse(request: {
    providerTransferId: string;
    amount: number;
    idempotencyKey: string;
    metadata: Record<string, string>;
  }): Promise<{ providerReversalId: string }>;
}

export interface ConnectedAccount {
  providerAccountId: string;
  /** Money can be sent to it. */
  transfersEnabled: boolean;
  /** It can pay out to the seller's bank. */
  payoutsEnabled: boolean;
  /** The seller has been through onboarding (what is still due may keep it restricted). */
  detailsSubmitted: boolean;
}

export interface TransferRequest {
  /** Minor units. */
  amount: number;
  /** Lowercase ISO 4217. */
  currency: string;
  providerAccountId: string;
  /** Groups the transfer with the order's charge at the provider. */
  orderId: string;
  /** The buyer's payment the money comes from, when the provider can tie them (funds move when that payment's do). */
  providerPaymentId: string | null;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

/** The provider will not make this transfer (the account cannot receive money, the source is short...). */
export class TransferRefused extends Error {
  override name = 'TransferRefused';
}
