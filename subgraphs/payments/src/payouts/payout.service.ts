import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { lockKey, lockRow, rows, table } from '@peerlink/platform/db/sql';
import { notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import type { Logger } from '@peerlink/platform/logger';
import { decodeCursor, pageSize, toConnection, withTotalCount } from '@peerlink/platform/graphql/pagination';
import { isUuid, uuidv7 } from '@peerlink/platform/ids';
import type { Json, OutsideCall, OutsideCalls } from '@peerlink/platform/outside-call';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import { Payment, PaymentStatus } from '../charges/payment.entity.js';
import { PayoutAccount, PayoutAccountStatus } from './payout-account.entity.js';
import { reversalDue, splitOf } from './payout-fee.js';
import { TransferRefused, type PayoutProvider } from './payout-provider.js';
import { Payout, PayoutStatus } from './payout.entity.js';

type AfterCommit = (work: () => Promise<unknown>) => void;

/** A transfer as claimed: what the provider is asked, and the payout it is for. */
interface TransferCall {
  payoutId: string;
  orderId: string;
  sellerId: string;
  amount: number;
  currency: string;
  providerAccountId: string;
  providerPaymentId: string | null;
  idempotencyKey: string;
}
type TransferAnswer = { providerTransferId: string } | { refused: string };

interface ReversalCall {
  payoutId: string;
  orderId: string;
  providerTransferId: string;
  amount: number;
  idempotencyKey: string;
}
type ReversalAnswer = { providerReversalId: string } | { refused: string };

/**
 * A refusal (the account cannot receive money, too little left to reverse) is an answer; anything else leaves the
 * outcome unknown.
 */
function refusalOrThrow(error: unknown): { refused: string } {
  if (error instanceof TransferRefused) return { refused: error.message };
  throw error;
}

type PaymentRefunded = Pick<PaymentsEvents['payments.refund.succeeded'], 'paymentId' | 'refundedTotal'>;

/**
 * Provider keys: one per payout and attempt (a refused attempt is remembered under its key, so the
 * next, once the account is enabled, takes a new one; a crash before commit reuses the same), and
 * one per reversal, named by the refunded total it answers.
 */
export const transferKeyFor = (payout: Payout) => `peerlink-payout-${payout.id}-${payout.transferAttempts}`;
const reversalKeyFor = (payout: Payout, refundedTotal: number) =>
  `peerlink-payout-${payout.id}-reversal-${refundedTotal}`;

/**
 * Sellers' shares of completed sales. A payout falls due once per order (marketplace says when),
 * for what the buyer still paid less the platform's fee; it is sent at once to an enabled payout
 * account, and HELD otherwise until the account is enabled. Refunds after that take back the
 * seller's part of them. Transfers and reversals are outside calls (outside-call.ts): claimed with
 * the payout locked, made after commit, recorded when the provider answers.
 */
export class PayoutService {
  private readonly transfers: OutsideCall<TransferCall>;
  private readonly reversals: OutsideCall<ReversalCall>;

  constructor(
    private readonly provider: PayoutProvider,
    private readonly feeBasisPoints: number,
    private readonly em: EntityManager,
    private readonly outbox: Outbox<PaymentsEvents>,
    private readonly logger: Logger,
    calls: OutsideCalls<PaymentsEvents>,
  ) {
    this.transfers = calls.kind<TransferCall, TransferAnswer>('transfer', {
      call: ({ amount, currency, providerAccountId, orderId, providerPaymentId, idempotencyKey, payoutId, sellerId }) =>
        this.provider
          .transfer({
            amount,
            currency,
            providerAccountId,
            orderId,
            providerPaymentId,
            idempotencyKey,
            metadata: { payoutId, orderId, sellerId },
          })
          .catch((error: unknown) => refusalOrThrow(error)),
      record: (em, publish, transfer, answer) => this.recordTransfer(em, publish, transfer, answer),
    });
    this.reversals = calls.kind<ReversalCall, ReversalAnswer>('reversal', {
      call: ({ providerTransferId, amount, idempotencyKey, payoutId, orderId }) =>
        this.provider
          .reverse({ providerTransferId, amount, idempotencyKey, metadata: { payoutId, orderId } })
          .catch((error: unknown) => refusalOrThrow(error)),
      record: (em, publish, reversal, answer) => this.recordReversal(em, publish, reversal, answer),
    });
  }

  /**
   * A sale is complete: its payout falls due, once however often the news arrives. Its transfer is made after commit.
   */
  async fallDue(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    orderId: string,
    afterCommit: AfterCommit,
  ): Promise<void> {
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
      `insert into ${table(em, 'payouts')} (id, seller_id, order_id, payment_id, amount, fee, net, fee_basis_points,
         currency, status, refunds_covered, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now()) on conflict do nothing returning id`,
      [
        uuidv7(),
        payment.sellerId,
        payment.orderId,
        payment.id,
        gross,
        fee,
        net,
        this.feeBasisPoints,
        payment.currency,
        PayoutStatus.HELD,
        payment.refundedAmount,
      ],
    );
    if (!claimed.length) return;
    const payout = await em.findOneOrFail(Payout, { id: (claimed[0] as { id: string }).id });
    // An account being enabled meanwhile either sees this payout HELD and releases it, or is seen enabled here.
    await lockSeller(em, payment.sellerId);
    const transfer = await this.send(
      em,
      publish,
      payout,
      payment,
      await em.findOne(PayoutAccount, { sellerId: payment.sellerId }, { refresh: true }),
    );
    if (transfer) afterCommit(() => this.transfers.run(transfer));
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
      `select p.id, p.seller_id from ${table(this.em, 'payouts')} p join ${table(this.em, 'payout_accounts')} a on
         a.seller_id = p.seller_id
       where p.status = ? and p.transfer_attempts > 0 and a.status = ?
         and p.updated_at <= ?::timestamptz - least(power(2, p.transfer_attempts - 1), 1440) * interval '1 minute'
       order by p.id limit 100`,
      [PayoutStatus.HELD, PayoutAccountStatus.ENABLED, now.toISOString()],
    );
    let sent = 0;
    for (const { id, seller_id: sellerId } of due) {
      const transfer = await this.outbox.transaction(async (em, publish) => {
        await lockSeller(em, sellerId);
        const payout = await em.findOneOrFail(Payout, { id }, { refresh: true });
        if (payout.status !== PayoutStatus.HELD) return null;
        return this.send(
          em,
          publish,
          payout,
          await em.findOneOrFail(Payment, { id: payout.paymentId }),
          await em.findOne(PayoutAccount, { sellerId }, { refresh: true }),
        );
      });
      // Recorded PAID, or left HELD with the new refusal.
      if (
        transfer &&
        (await this.transfers.run(transfer)).state === 'done' &&
        (await this.em.fork().findOneOrFail(Payout, { id })).status === PayoutStatus.PAID
      )
        sent++;
    }
    return sent;
  }

  /**
   * The seller's account can receive money now: everything held for them goes, oldest first, once `em`'s transaction
   * has committed.
   */
  async releaseHeld(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    account: PayoutAccount,
    afterCommit: AfterCommit,
  ): Promise<void> {
    const held = await rows<{ id: string }>(
      em,
      `select id from ${table(em, 'payouts')} where seller_id = ? and status = ? order by id for update`,
      [account.sellerId, PayoutStatus.HELD],
    );
    for (const { id } of held) {
      const payout = await em.findOneOrFail(Payout, { id }, { refresh: true });
      const transfer = await this.send(
        em,
        publish,
        payout,
        await em.findOneOrFail(Payment, { id: payout.paymentId }),
        account,
      );
      if (transfer) afterCommit(() => this.transfers.run(transfer));
    }
  }

  /**
   * The buyer got money back. Before the payout was sent it is worked out again on what is left;
   * after, the seller's part of the refund is reversed. Events carry the running refunded total,
   * so a repeated or overtaken one changes nothing.
   */
  async refunded(
    em: EntityManager,
    { paymentId, refundedTotal }: PaymentRefunded,
    afterCommit: AfterCommit,
  ): Promise<void> {
    const found = await em.findOne(Payout, { paymentId });
    // Not due yet: the refund will be left out of the gross when it falls due.
    if (!found) return;
    await lockRow(em, 'payouts', found.id);
    const payout = await em.findOneOrFail(Payout, { id: found.id }, { refresh: true });
    if (refundedTotal <= payout.refundsCovered) return;
    const payment = await em.findOneOrFail(Payment, { id: paymentId });
    const grossLeft = payment.amount - refundedTotal;
    // A transfer under way changes what the seller holds: this refund waits for its answer (the event is retried).
    if ((await this.transfers.pending(em, `${payout.id}-`)).length)
      throw new Error(`Payout ${payout.id} has a transfer under way`);
    if (payout.status === PayoutStatus.HELD) {
      Object.assign(payout, toColumns(splitOf(grossLeft, payout.feeBasisPoints)));
      if (grossLeft === 0) Object.assign(payout, { status: PayoutStatus.CANCELLED, holdReason: null });
    } else if (payout.providerTransferId) {
      // Reversals not answered yet count as taken back.
      const underWay = (await this.reversals.pending(em, `${payout.id}-`)).reduce((sum, call) => sum + call.amount, 0);
      const due = reversalDue(payout.net, payout.reversedAmount + underWay, grossLeft, payout.feeBasisPoints);
      if (due > 0) {
        const id = `${payout.id}-${refundedTotal}`;
        const { orderId } = payout;
        await this.reversals.claim(em, id, {
          payoutId: payout.id,
          orderId,
          providerTransferId: payout.providerTransferId,
          amount: due,
          idempotencyKey: reversalKeyFor(payout, refundedTotal),
        });
        afterCommit(() => this.reversals.run(id));
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
    const found = await this.em.find(
      Payout,
      { sellerId: viewer.userId, ...(cursor ? { id: { $lt: cursor.id } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1, refresh: true },
    );
    return withTotalCount(toConnection(found, size, { after }), () =>
      this.em.count(Payout, { sellerId: viewer.userId }),
    );
  }

  /** One payout, for its seller and admins; NOT_FOUND for anyone else. */
  /** `admin` is asked only about someone else's payout. */
  async visible(viewer: Viewer, id: string, admin: () => boolean): Promise<Payout> {
    const payout = isUuid(id) ? await this.em.findOne(Payout, { id }, { refresh: true }) : null;
    if (!payout || (payout.sellerId !== viewer.userId && !admin())) throw notFound('Payout');
    return payout;
  }

  /**
   * Claims the payout's transfer to an enabled account (the caller runs it after commit: its id is
   * returned), or records why it is held. Nothing to send (a 100% fee: providers refuse a transfer
   * of 0) is PAID at once.
   */
  private async send(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    payout: Payout,
    payment: Payment,
    account: PayoutAccount | null,
  ): Promise<string | null> {
    if (account?.status !== PayoutAccountStatus.ENABLED || account.provider !== this.provider.name) {
      payout.holdReason = account
        ? 'Your payout account is not enabled yet: finish onboarding.'
        : 'Connect a payout account to be paid.';
      await em.flush();
      return null;
    }
    if (payout.net <= 0) {
      this.markPaid(publish, payout, null);
      await em.flush();
      return null;
    }
    const id = `${payout.id}-${payout.transferAttempts}`;
    const { orderId, sellerId } = payout;
    const claimed = await this.transfers.claim(em, id, {
      payoutId: payout.id,
      orderId,
      sellerId,
      amount: payout.net,
      currency: payout.currency,
      providerAccountId: account.providerAccountId,
      providerPaymentId: payment.providerPaymentId,
      idempotencyKey: transferKeyFor(payout),
    });
    return claimed ? id : null;
  }

  /**
   * The provider's answer to a transfer, on the payout locked: PAID, or HELD with the refusal (a later attempt takes a
   * new key).
   */
  private async recordTransfer(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    transfer: TransferCall,
    answer: TransferAnswer,
  ): Promise<Json> {
    await lockRow(em, 'payouts', transfer.payoutId);
    const payout = await em.findOneOrFail(Payout, { id: transfer.payoutId }, { refresh: true });
    if ('refused' in answer) {
      if (payout.status === PayoutStatus.HELD)
        Object.assign(payout, {
          holdReason: answer.refused,
          transferAttempts: payout.transferAttempts + 1,
          updatedAt: new Date(),
        });
    } else if (payout.status === PayoutStatus.HELD) {
      this.markPaid(publish, payout, answer.providerTransferId);
    } else {
      // Refunds cannot cancel a payout while its transfer is under way (`refunded` waits), so this is a bug to look at.
      this.logger.error(
        { payoutId: payout.id, status: payout.status, providerTransferId: answer.providerTransferId },
        'a transfer was made for a payout no longer held',
      );
    }
    await em.flush();
    return answer;
  }

  private markPaid(publish: Publish<PaymentsEvents>, payout: Payout, providerTransferId: string | null) {
    Object.assign(payout, {
      status: PayoutStatus.PAID,
      providerTransferId,
      paidAt: new Date(),
      holdReason: null,
      updatedAt: new Date(),
    });
    publish('payments.payout.paid', {
      payoutId: payout.id,
      orderId: payout.orderId,
      sellerId: payout.sellerId,
      amount: payout.net,
      fee: payout.fee,
      currency: payout.currency,
    });
  }

  private async recordReversal(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    reversal: ReversalCall,
    answer: ReversalAnswer,
  ): Promise<Json> {
    if ('refused' in answer) {
      // Retrying under the same key gets the same refusal. The refund stays uncovered: the next one asks for everything
      // owed.
      this.logger.error(
        { payoutId: reversal.payoutId, amount: reversal.amount, reason: answer.refused },
        'the provider refused to reverse a payout; the seller keeps money the buyer got back',
      );
      return answer;
    }
    await lockRow(em, 'payouts', reversal.payoutId);
    const payout = await em.findOneOrFail(Payout, { id: reversal.payoutId }, { refresh: true });
    payout.reversedAmount += reversal.amount;
    payout.status = payout.reversedAmount >= payout.net ? PayoutStatus.REVERSED : PayoutStatus.PARTIALLY_REVERSED;
    payout.updatedAt = new Date();
    await em.flush();
    const { id: payoutId, orderId, sellerId, currency, reversedAmount: reversedTotal } = payout;
    publish('payments.payout.reversed', {
      payoutId,
      orderId,
      sellerId,
      amount: reversal.amount,
      reversedTotal,
      currency,
    });
    return answer;
  }
}

/** Serializes what concerns one seller's payout account: connecting it, its changes, payouts falling due. */
export const lockSeller = (em: EntityManager, sellerId: string) => lockKey(em, `payout-account:${sellerId}`);

const toColumns = ({ gross, fee, net }: { gross: number; fee: number; net: number }) => ({ amount: gross, fee, net });
