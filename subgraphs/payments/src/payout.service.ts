import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { lockKey, lockRow, rows, table } from '@peerlink/platform/db/sql';
import { notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import type { Logger } from '@peerlink/platform/logger';
import { decodeCursor, pageSize, toConnection, withTotalCount } from '@peerlink/platform/graphql/pagination';
import { isUuid, uuidv7 } from '@peerlink/platform/ids';
import type { PaymentsEvents } from './events.js';
import { Payment, PaymentStatus } from './payment.entity.js';
import { PayoutAccount, PayoutAccountStatus } from './payout-account.entity.js';
import { reversalDue, splitOf } from './payout-fee.js';
import { TransferRefused, type PayoutProvider } from './payout-provider.js';
import { Payout, PayoutStatus } from './payout.entity.js';

type PaymentRefunded = Pick<PaymentsEvents['payments.refund.succeeded'], 'paymentId' | 'refundedTotal'>;

/**
 * Provider keys: one per payout and attempt (a refused attempt is remembered under its key, so the
 * next, once the account is enabled, takes a new one; a crash before commit reuses the same), and
 * one per reversal, named by the refunded total it answers.
 */
export const transferKeyFor = (payout: Payout) => `peerlink-payout-${payout.id}-${payout.transferAttempts}`;
const reversalKeyFor = (payout: Payout, refundedTotal: number) => `peerlink-payout-${payout.id}-reversal-${refundedTotal}`;

/**
 * Sellers' shares of completed sales. A payout falls due once per order (marketplace says when),
 * for what the buyer still paid less the platform's fee; it is sent at once to an enabled payout
 * account, and HELD otherwise until the account is enabled. Refunds after that take back the
 * seller's part of them. Provider calls run inside the transaction that records their result, as
 * charges do: a crash in between is answered the same by the provider on retry, under the same key.
 */
export class PayoutService {
  constructor(
    private readonly provider: PayoutProvider,
    private readonly feeBasisPoints: number,
    private readonly em: EntityManager,
    private readonly outbox: Outbox<PaymentsEvents>,
    private readonly logger: Logger,
  ) {}

  /** A sale is complete: its payout falls due, once however often the news arrives. */
  async fallDue(em: EntityManager, publish: Publish<PaymentsEvents>, orderId: string): Promise<void> {
    const found = await em.findOne(Payment, { orderId });
    // The order was paid, so its payment exists; until it is visible here, fail and be retried.
    if (!found) throw new Error(`No payment for order ${orderId} yet`);
    // Locked, so a refund under way lands before or after, and `refundsCovered` says which.
    await lockRow(em, 'payments', found.id);
    const payment = await em.findOneOrFail(Payment, { id: found.id }, { refresh: true });
    if (payment.status !== PaymentStatus.SUCCEEDED && payment.status !== PaymentStatus.PARTIALLY_REFUNDED) return;
    const { gross, fee, net } = splitOf(payment.amount - payment.refundedAmount, this.feeBasisPoints);
    const claimed = await rows(
      em,
      `insert into ${table(em, 'payouts')} (id, seller_id, order_id, payment_id, amount, fee, net, fee_basis_points, currency, status, refunds_covered, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now()) on conflict do nothing returning id`,
      [uuidv7(), payment.sellerId, payment.orderId, payment.id, gross, fee, net, this.feeBasisPoints, payment.currency, PayoutStatus.HELD, payment.refundedAmount],
    );
    if (!claimed.length) return;
    const payout = await em.findOneOrFail(Payout, { id: (claimed[0] as { id: string }).id });
    // An account being enabled meanwhile either sees this payout HELD and releases it, or is seen enabled here.
    await lockSeller(em, payment.sellerId);
    await this.send(em, publish, payout, payment, await em.findOne(PayoutAccount, { sellerId: payment.sellerId }, { refresh: true }));
  }

  /**
   * Payouts the provider refused although their account is enabled (a restriction of the moment, a
   * source charge not settled yet) are asked for again, each under a new key, backing off from a
   * minute after the first refusal to a day. Without this nothing would ask again: no account
   * change is coming. Returns how many were sent.
   */
  async retryRefused(now = new Date()): Promise<number> {
    const due = await rows<{ id: string; seller_id: string }>(
      this.em,
      `select p.id, p.seller_id from ${table(this.em, 'payouts')} p join ${table(this.em, 'payout_accounts')} a on a.seller_id = p.seller_id
       where p.status = ? and p.transfer_attempts > 0 and a.status = ?
         and p.updated_at <= ?::timestamptz - least(power(2, p.transfer_attempts - 1), 1440) * interval '1 minute'
       order by p.id limit 100`,
      [PayoutStatus.HELD, PayoutAccountStatus.ENABLED, now.toISOString()],
    );
    let sent = 0;
    for (const { id, seller_id: sellerId } of due) {
      await this.outbox.transaction(async (em, publish) => {
        await lockSeller(em, sellerId);
        const payout = await em.findOneOrFail(Payout, { id }, { refresh: true });
        if (payout.status !== PayoutStatus.HELD) return;
        await this.send(em, publish, payout, await em.findOneOrFail(Payment, { id: payout.paymentId }), await em.findOne(PayoutAccount, { sellerId }, { refresh: true }));
        // `send` moved it on, or left it HELD with the new refusal.
        if ((payout.status as PayoutStatus) === PayoutStatus.PAID) sent++;
      });
    }
    return sent;
  }

  /** The seller's account can receive money now: everything held for them goes, oldest first. */
  async releaseHeld(em: EntityManager, publish: Publish<PaymentsEvents>, account: PayoutAccount): Promise<void> {
    const held = await rows<{ id: string }>(em, `select id from ${table(em, 'payouts')} where seller_id = ? and status = ? order by id for update`, [account.sellerId, PayoutStatus.HELD]);
    for (const { id } of held) {
      const payout = await em.findOneOrFail(Payout, { id }, { refresh: true });
      await this.send(em, publish, payout, await em.findOneOrFail(Payment, { id: payout.paymentId }), account);
    }
  }

  /**
   * The buyer got money back. Before the payout was sent it is worked out again on what is left;
   * after, the seller's part of the refund is reversed. Events carry the running refunded total,
   * so a repeated or overtaken one changes nothing.
   */
  async refunded(em: EntityManager, publish: Publish<PaymentsEvents>, { paymentId, refundedTotal }: PaymentRefunded): Promise<void> {
    const found = await em.findOne(Payout, { paymentId });
    // Not due yet: the refund will be left out of the gross when it falls due.
    if (!found) return;
    await lockRow(em, 'payouts', found.id);
    const payout = await em.findOneOrFail(Payout, { id: found.id }, { refresh: true });
    if (refundedTotal <= payout.refundsCovered) return;
    const payment = await em.findOneOrFail(Payment, { id: paymentId });
    const grossLeft = payment.amount - refundedTotal;
    if (payout.status === PayoutStatus.HELD) {
      Object.assign(payout, toColumns(splitOf(grossLeft, payout.feeBasisPoints)));
      if (grossLeft === 0) Object.assign(payout, { status: PayoutStatus.CANCELLED, holdReason: null });
    } else if (payout.providerTransferId) {
      const due = reversalDue(payout.net, payout.reversedAmount, grossLeft, payout.feeBasisPoints);
      try {
        if (due > 0) await this.reverse(em, publish, payout, due, refundedTotal);
      } catch (error) {
        if (!(error instanceof TransferRefused)) throw error;
        // Retrying under the same key gets the same refusal, so failing the event would only make a
        // dead letter. The refund stays uncovered instead: the next one asks for everything owed.
        this.logger.error({ err: error, payoutId: payout.id, amount: due }, 'the provider refused to reverse a payout; the seller keeps money the buyer got back');
        return;
      }
    }
    payout.refundsCovered = refundedTotal;
    payout.updatedAt = new Date();
    await em.flush();
  }

  /** The viewer's payouts, newest first. */
  async mine(viewer: Viewer, first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const found = await this.em.find(Payout, { sellerId: viewer.userId, ...(cursor ? { id: { $lt: cursor.id } } : {}) }, { orderBy: { id: 'desc' }, limit: size + 1, refresh: true });
    return withTotalCount(toConnection(found, size, { after }), () => this.em.count(Payout, { sellerId: viewer.userId }));
  }

  /** One payout, for its seller and admins; NOT_FOUND for anyone else. */
  /** `admin` is asked only about someone else's payout. */
  async visible(viewer: Viewer, id: string, admin: () => boolean): Promise<Payout> {
    const payout = isUuid(id) ? await this.em.findOne(Payout, { id }, { refresh: true }) : null;
    if (!payout || (payout.sellerId !== viewer.userId && !admin())) throw notFound('Payout');
    return payout;
  }

  private async send(em: EntityManager, publish: Publish<PaymentsEvents>, payout: Payout, payment: Payment, account: PayoutAccount | null) {
    if (account?.status !== PayoutAccountStatus.ENABLED || account.provider !== this.provider.name) {
      payout.holdReason = account ? 'Your payout account is not enabled yet: finish onboarding.' : 'Connect a payout account to be paid.';
      return em.flush();
    }
    try {
      // With a 100% fee there is nothing to send, and providers refuse a transfer of 0.
      const { providerTransferId } =
        payout.net > 0
          ? await this.provider.transfer({
              amount: payout.net,
              currency: payout.currency,
              providerAccountId: account.providerAccountId,
              orderId: payout.orderId,
              providerPaymentId: payment.providerPaymentId,
              idempotencyKey: transferKeyFor(payout),
              metadata: { payoutId: payout.id, orderId: payout.orderId, sellerId: payout.sellerId },
            })
          : { providerTransferId: null };
      Object.assign(payout, { status: PayoutStatus.PAID, providerTransferId, paidAt: new Date(), holdReason: null, updatedAt: new Date() });
      publish('payments.payout.paid', { payoutId: payout.id, orderId: payout.orderId, sellerId: payout.sellerId, amount: payout.net, fee: payout.fee, currency: payout.currency });
    } catch (error) {
      if (!(error instanceof TransferRefused)) throw error;
      Object.assign(payout, { holdReason: error.message, transferAttempts: payout.transferAttempts + 1, updatedAt: new Date() });
    }
    await em.flush();
  }

  private async reverse(em: EntityManager, publish: Publish<PaymentsEvents>, payout: Payout, amount: number, refundedTotal: number) {
    await this.provider.reverse({
      providerTransferId: payout.providerTransferId!,
      amount,
      idempotencyKey: reversalKeyFor(payout, refundedTotal),
      metadata: { payoutId: payout.id, orderId: payout.orderId },
    });
    payout.reversedAmount += amount;
    payout.status = payout.reversedAmount === payout.net ? PayoutStatus.REVERSED : PayoutStatus.PARTIALLY_REVERSED;
    const { id: payoutId, orderId, sellerId, currency, reversedAmount: reversedTotal } = payout;
    publish('payments.payout.reversed', { payoutId, orderId, sellerId, amount, reversedTotal, currency });
  }
}

/** Serializes what concerns one seller's payout account: connecting it, its changes, payouts falling due. */
export const lockSeller = (em: EntityManager, sellerId: string) => lockKey(em, `payout-account:${sellerId}`);

const toColumns = ({ gross, fee, net }: { gross: number; fee: number; net: number }) => ({ amount: gross, fee, net });
