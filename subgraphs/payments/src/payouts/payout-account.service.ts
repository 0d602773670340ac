import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { badInput } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import { PayoutAccount, PayoutAccountStatus, statusOf, type PayoutOnboarding } from './payout-account.entity.js';
import type { ConnectedAccount, PayoutProvider } from './payout-provider.js';
import type { AfterCommit, Json, OutsideCall, OutsideCalls } from '@peerlink/platform/outside-call';
import { lockSeller, type PayoutService } from './payout.service.js';

export const MAX_URL_LENGTH = 2000;

/**
 * One provider account per seller, whatever happens: the row's unique seller backs up the key, which Stripe forgets
 * after 24 hours.
 */
const accountKeyFor = (sellerId: string) => `peerlink-payout-account-${sellerId}`;

/** Sellers' payout accounts: connecting one, and following what the provider says of it. */
export class PayoutAccountService {
  private readonly reads: OutsideCall<{ providerAccountId: string }>;

  constructor(
    private readonly provider: PayoutProvider,
    private readonly outbox: Outbox<PaymentsEvents>,
    private readonly payouts: PayoutService,
    /** Where the seller comes back to when they give none. */
    private readonly defaultReturnUrl: string,
    calls: OutsideCalls<PaymentsEvents>,
  ) {
    this.reads = calls.kind<{ providerAccountId: string }, ConnectedAccount>('payout-account', {
      call: ({ providerAccountId }) => this.provider.account(providerAccountId),
      record: (em, publish, _read, now, afterCommit) => this.recordAccount(em, publish, now, afterCommit),
    });
  }

  /**
   * The seller's account (made once) and a fresh onboarding link to it: links expire within
   * minutes, so each call makes a new one. An account enabled at once (the sandbox) releases
   * whatever was held for the seller.
   */
  async connect(viewer: Viewer, returnUrl: string | null | undefined): Promise<PayoutOnboarding> {
    requireRole(viewer, 'SELLER', 'Only sellers connect a payout account.');
    const back = returnUrlOf(returnUrl ?? this.defaultReturnUrl);
    const sellerId = viewer.userId;
    const existing = await this.mine(viewer);
    // Asked with no transaction open; the key (from the seller's id) makes a second asking, by a
    // concurrent or retried request, get the same account, and the unique seller stores it once.
    const connected = existing
      ? null
      : await this.provider.createAccount({ sellerId, idempotencyKey: accountKeyFor(sellerId) });
    const transfers: (() => Promise<unknown>)[] = [];
    const account = await this.outbox.transaction(async (em, publish) => {
      await lockSeller(em, sellerId);
      const stored = await em.findOne(PayoutAccount, { sellerId }, { refresh: true });
      if (stored || !connected) return stored ?? em.findOneOrFail(PayoutAccount, { sellerId });
      const created = em.create(PayoutAccount, {
        sellerId,
        provider: this.provider.name,
        providerAccountId: connected.providerAccountId,
        status: statusOf(connected),
        payoutsEnabled: connected.payoutsEnabled,
      });
      await em.flush();
      if (created.status === PayoutAccountStatus.ENABLED)
        await this.payouts.releaseHeld(em, publish, created, (work) => void transfers.push(work));
      return created;
    });
    for (const transfer of transfers) await transfer();
    const link = await this.provider.onboardingLink({
      providerAccountId: account.providerAccountId,
      returnUrl: marked(back, 'return'),
      refreshUrl: marked(back, 'refresh'),
    });
    return { ...link, account };
  }

  async mine(viewer: Viewer): Promise<PayoutAccount | null> {
    return (this.outbox.orm.em as EntityManager).findOne(PayoutAccount, { sellerId: viewer.userId }, { refresh: true });
  }

  /**
   * The provider says an account changed (Stripe's `account.updated`). Its word is only the cue:
   * the account is read again, so events overtaking each other cannot leave an old state behind.
   * An account we have not stored yet (created, but its transaction not committed) throws, and the
   * provider delivers again; one that is not a seller's (no `sellerId` in its metadata) is ignored.
   */
  async changed(
    em: EntityManager,
    providerAccountId: string,
    ours: boolean,
    eventId: string,
    afterCommit: AfterCommit,
  ): Promise<void> {
    const found = await em.findOne(PayoutAccount, { providerAccountId });
    if (!found) {
      if (ours) throw new Error(`No payout account ${providerAccountId} yet`);
      return;
    }
    // Read after commit, as an outside call: the sweeper reads again should the provider not answer.
    const id = `${providerAccountId}:${eventId}`;
    if (await this.reads.claim(em, id, { providerAccountId })) afterCommit(() => this.reads.run(id));
  }

  /**
   * The account as the provider sees it now, stored on the seller's account locked; enabled, it releases what was held.
   */
  private async recordAccount(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    now: ConnectedAccount,
    afterCommit: AfterCommit,
  ): Promise<Json> {
    const found = await em.findOneOrFail(PayoutAccount, { providerAccountId: now.providerAccountId });
    await lockSeller(em, found.sellerId);
    const account = await em.findOneOrFail(PayoutAccount, { id: found.id }, { refresh: true });
    Object.assign(account, { status: statusOf(now), payoutsEnabled: now.payoutsEnabled, updatedAt: new Date() });
    await em.flush();
    if (account.status === PayoutAccountStatus.ENABLED)
      await this.payouts.releaseHeld(em, publish, account, afterCommit);
    return { status: account.status };
  }
}

/** An http(s) page of the client's to come back to from onboarding. */
function returnUrlOf(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || value.length > MAX_URL_LENGTH) {
    throw badInput(`The return URL must be an http(s) URL of at most ${MAX_URL_LENGTH} characters.`, 'returnUrl');
  }
  return url.href;
}

/** The same page, told whether onboarding ended (`return`) or its link had expired (`refresh`: ask for a new one). */
function marked(page: string, outcome: 'return' | 'refresh'): string {
  const url = new URL(page);
  url.searchParams.set('payouts', outcome);
  return url.href;
}
