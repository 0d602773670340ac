import { randomBytes } from 'node:crypto';
import {
  TransferRefused,
  type ConnectedAccount,
  type PayoutProvider,
  type TransferRequest,
} from '../payouts/payout-provider.js';
import { answerOnce, MemoryLedger, type Answers, type DurableMap, type SandboxLedger } from './sandbox-ledger.js';

const token = () => randomBytes(12).toString('hex');

/**
 * Connected accounts and transfers, kept in the sandbox's ledger. There is nobody to verify in
 * embedded mode, so a new account can receive money at once, and its onboarding link leads straight
 * back to `returnUrl`. Reusing a key with other arguments is an error, as at Stripe.
 */
export class SandboxPayouts implements PayoutProvider {
  readonly name = 'sandbox';
  private readonly accounts: DurableMap<ConnectedAccount>;
  private readonly transfers: DurableMap<{ amount: number; reversed: number }>;
  /** Answers by idempotency key; refusals too, as Stripe saves whatever it answered. */
  private readonly answered: Answers<unknown>;

  constructor(ledger: SandboxLedger = new MemoryLedger()) {
    this.accounts = ledger.map('payout-accounts');
    this.transfers = ledger.map('transfers');
    this.answered = ledger.map('payout-answers');
  }

  async createAccount({
    idempotencyKey,
    ...request
  }: {
    sellerId: string;
    idempotencyKey: string;
  }): Promise<ConnectedAccount> {
    return answerOnce(
      this.answered,
      idempotencyKey,
      request,
      () => {
        const account = {
          providerAccountId: `acct_sandbox_${token()}`,
          transfersEnabled: true,
          payoutsEnabled: true,
          detailsSubmitted: true,
        };
        this.accounts.set(account.providerAccountId, account);
        return { ...account };
      },
      TransferRefused,
    );
  }

  async account(providerAccountId: string): Promise<ConnectedAccount> {
    const account = this.accounts.get(providerAccountId);
    if (!account) throw new Error(`No such account: '${providerAccountId}'`);
    return { ...account };
  }

  async onboardingLink({
    providerAccountId,
    returnUrl,
  }: {
    providerAccountId: string;
    returnUrl: string;
    refreshUrl: string;
  }) {
    await this.account(providerAccountId);
    const url = new URL(returnUrl);
    url.searchParams.set('account', providerAccountId);
    url.searchParams.set('link', token());
    return { url: url.href, expiresAt: new Date(Date.now() + 5 * 60_000) };
  }

  async transfer({ idempotencyKey, ...request }: TransferRequest): Promise<{ providerTransferId: string }> {
    return answerOnce(
      this.answered,
      idempotencyKey,
      request,
      () => {
        if (!this.accounts.get(request.providerAccountId)?.transfersEnabled)
          throw new TransferRefused(`The account ${request.providerAccountId} cannot receive transfers.`);
        if (!Number.isSafeInteger(request.amount) || request.amount < 1)
          throw new TransferRefused('A transfer is a positive whole number of minor units.');
        const providerTransferId = `tr_sandbox_${token()}`;
        this.transfers.set(providerTransferId, { amount: request.amount, reversed: 0 });
        return { providerTransferId };
      },
      TransferRefused,
    );
  }

  async reverse({
    idempotencyKey,
    ...request
  }: {
    providerTransferId: string;
    amount: number;
    idempotencyKey: string;
    metadata: Record<string, string>;
  }) {
    return answerOnce(
      this.answered,
      idempotencyKey,
      request,
      () => {
        const transfer = this.transfers.get(request.providerTransferId);
        if (!transfer) throw new TransferRefused(`No such transfer: '${request.providerTransferId}'`);
        const left = transfer.amount - transfer.reversed;
        if (!Number.isSafeInteger(request.amount) || request.amount < 1 || request.amount > left)
          throw new TransferRefused(`At most ${left} (minor units) of this transfer is left to reverse.`);
        transfer.reversed += request.amount;
        this.transfers.touch(request.providerTransferId);
        return { providerReversalId: `trr_sandbox_${token()}` };
      },
      TransferRefused,
    );
  }
}
