import type { EntityManager } from '@mikro-orm/postgresql';
import { lockRow, rows, table } from '@peerlink/platform/db/sql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { AppError, badInput, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { requestFingerprint, requireSameRequest } from '@peerlink/platform/idempotency';
import type { Json, OutsideCall, OutsideCalls } from '@peerlink/platform/outside-call';
import { checkCharge } from '../access.js';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { PaymentLoaders } from '../loaders.js';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { PaymentMethodService } from '../payment-methods/payment-method.service.js';
import { Payment, PaymentStatus } from './payment.entity.js';
import { RefundRefused, type ConfirmedPayment, type PaymentProvider } from '../provider.js';
import { Refund } from './refund.entity.js';

export const MAX_REASON_LENGTH = 500;

/** Money was taken and not all of it given back yet. */
const refundable = (payment: Payment) =>
  payment.status === PaymentStatus.SUCCEEDED || payment.status === PaymentStatus.PARTIALLY_REFUNDED;
export const MAX_KEY_LENGTH = 100;

export interface RefundInput {
  paymentId: string;
  /** Minor units; everything left when omitted. */
  amount?: number | null;
  reason: string;
  idempotencyKey?: string | null;
}

type PlacedOrder = MarketplaceEvents['marketplace.order.placed'];

/**
 * One key per order: however often the order's charge is retried, the provider charges once. It backs
 * up the unique order id rather than replacing it, as Stripe forgets keys after 24 hours.
 */
export const idempotencyKeyFor = (orderId: string) => `peerlink-order-${orderId.toLowerCase()}`;

/** A charge as claimed: what the provider is asked (the same each time) and the payment it is for. */
interface ChargeCall {
  paymentId: string;
  orderId: string;
  buyerId: string;
  sellerId: string;
  amount: number;
  currency: string;
  paymentMethodId?: string;
  customerId?: string;
  idempotencyKey: string;
}

/** A refund as claimed; `key` is the asker's (or the platform's: 'order-cancelled', a return's). */
interface RefundCall {
  paymentId: string;
  orderId: string;
  providerPaymentId: string;
  refundId: string;
  amount: number;
  reason: string;
  requestedBy: string | null;
  key: string | null;
  fingerprint: string | null;
  returnRequestId: string | null;
  idempotencyKey: string;
}

type RefundAnswer = { providerRefundId: string } | { refused: string };
const isRefusal = (result: unknown): result is { refused: string } =>
  typeof result === 'object' && result !== null && 'refused' in result;

/** Payments: charging placed orders through the provider, and showing the result to those involved. */
export class PaymentService {
  private readonly charges: OutsideCall<ChargeCall>;
  private readonly refunds: OutsideCall<RefundCall>;

  constructor(
    private readonly provider: PaymentProvider,
    private readonly outbox: Outbox<PaymentsEvents>,
    private readonly paymentMethods: PaymentMethodService,
    calls: OutsideCalls<PaymentsEvents>,
  ) {
    this.charges = calls.kind<ChargeCall, ConfirmedPayment>('charge', {
      // Built field by field: the provider compares a retried request with the first one.
      // Metadata holds only what a retry repeats exactly: a new payment id would make the same key a different request.
      call: ({ amount, currency, paymentMethodId, customerId, idempotencyKey, orderId, buyerId, sellerId }) =>
        this.provider.confirmPayment({
          amount,
          currency,
          paymentMethodId: paymentMethodId!,
          ...(customerId && { customerId }),
          idempotencyKey,
          metadata: { orderId, buyerId, sellerId },
        }),
      record: (em, publish, charge, result) => this.recordCharge(em, publish, charge, result),
      // Never answered, after every retry: failed, as a decline would be, so the order does not wait
      // for ever. The give-up is logged as an error, to be checked against the provider's records.
      abandon: (em, publish, charge) =>
        this.recordCharge(em, publish, charge, {
          status: 'FAILED',
          failureReason: 'The payment provider could not be reached. Try again with another payment.',
          providerPaymentId: '',
          clientSecret: '',
        }).then(() => undefined),
    });
    this.refunds = calls.kind<RefundCall, RefundAnswer>('refund', {
      call: ({ providerPaymentId, amount, idempotencyKey, paymentId, orderId }) =>
        this.provider
          .refund({ providerPaymentId, amount, idempotencyKey, metadata: { paymentId, orderId } })
          .catch((error: unknown) => {
            // More than is left, a payment that did not succeed: an answer, not a failure to retry.
            if (error instanceof RefundRefused) return { refused: error.message };
            throw error;
          }),
      record: (em, publish, refund, answer) => this.recordRefund(em, publish, refund, answer),
    });
  }

  /** The payment (buyer, seller or admin), or NOT_FOUND, as for anyone else. */
  async visible(id: string, loaders: PaymentLoaders): Promise<Payment> {
    const payment = await loaders.visible(id);
    if (!payment) throw notFound('Payment');
    return payment;
  }

  /** NOT_FOUND too while the order's payment is still being created: clients poll until it appears. */
  async ofOrder(orderId: string, loaders: PaymentLoaders): Promise<Payment> {
    const payment = await loaders.visibleOfOrder(orderId);
    if (!payment) throw notFound('Payment');
    return payment;
  }

  /**
   * Charges a placed order. In the consumer's transaction the payment is made PROCESSING (a second
   * delivery of the order, even under another event id, finds the unique order id taken and does
   * nothing) and its charge claimed; the provider is asked only after that commits
   * (`afterCommit`), with a deadline, and the answer recorded in a second transaction. An answer
   * that never came (deadline, crash) is asked for again by the sweeper under the same idempotency
   * key, so the buyer is charged once.
   */
  async charge(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    order: PlacedOrder,
    placedAt: Date,
    afterCommit: (work: () => Promise<unknown>) => void,
  ): Promise<void> {
    const { orderId, buyerId, sellerId, amount, currency, paymentMethodId } = order;
    // A malformed order is marketplace's bug: failing sends it, after retries, to the dead letters.
    const invalid = checkCharge(amount, currency);
    if (invalid) throw new Error(`Order ${orderId} cannot be charged: ${invalid}`);
    const id = uuidv7();
    const claimed = await rows(
      em,
      `insert into ${table(em, 'payments')} (id, order_id, buyer_id, seller_id, amount, currency, status, provider,
         created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, now(), now()) on conflict (order_id) do nothing returning id`,
      [id, orderId, buyerId, sellerId, amount, currency, PaymentStatus.PROCESSING, this.provider.name],
    );
    if (!claimed.length) return;

    // A saved card is charged only for its owner; naming someone else's (or a removed one) fails the payment here.
    const card = await this.paymentMethods.chargeWith(em, buyerId, paymentMethodId, placedAt);
    const charge: ChargeCall = {
      paymentId: id,
      orderId,
      buyerId,
      sellerId,
      amount,
      currency,
      ...card,
      idempotencyKey: idempotencyKeyFor(orderId),
    };
    if ('refused' in card) {
      await this.recordCharge(em, publish, charge, {
        status: 'FAILED',
        failureReason: card.refused,
        providerPaymentId: '',
        clientSecret: '',
      });
      return;
    }
    await this.charges.claim(em, id, charge);
    afterCommit(() => this.charges.run(id));
  }

  /**
   * The provider's answer to a charge, applied to its payment (still PROCESSING: nothing else moves it before it has a
   * provider id).
   */
  private async recordCharge(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    charge: ChargeCall,
    result: ConfirmedPayment,
  ) {
    const { paymentId: id, orderId, buyerId, sellerId, amount, currency } = charge;
    const parties = { paymentId: id, orderId, buyerId, sellerId };
    // The client secret is kept on the payment (its buyer finishes 3-D Secure with it), never in the call's row.
    const stored = {
      status: PaymentStatus[result.status],
      providerPaymentId: result.providerPaymentId || null,
      clientSecret: result.clientSecret || null,
      updatedAt: new Date(),
    };
    switch (result.status) {
      case 'SUCCEEDED':
        await em.nativeUpdate(Payment, { id }, stored);
        publish('payments.payment.succeeded', { ...parties, amount, currency });
        break;
      case 'FAILED':
        await em.nativeUpdate(Payment, { id }, { ...stored, failureReason: result.failureReason });
        publish('payments.payment.failed', { ...parties, reason: result.failureReason, amount, currency });
        break;
      case 'REQUIRES_ACTION':
        await em.nativeUpdate(Payment, { id }, { ...stored, actionUrl: result.actionUrl });
        publish('payments.payment.requires_action', { ...parties, actionUrl: result.actionUrl });
        break;
      case 'PROCESSING':
        // The order waits, as for 3-D Secure, until the provider's webhook settles the payment.
        await em.nativeUpdate(Payment, { id }, stored);
        break;
    }
    publish('payments.payment.updated', { id, paymentId: id, orderId, recipientIds: [buyerId, sellerId] });
    return { status: result.status, providerPaymentId: result.providerPaymentId };
  }

  /**
   * The seller (or an admin) gives back part or all of a payment. The same `idempotencyKey` refunds
   * once. The refund is claimed with the payment locked (what is left counts refunds under way),
   * the provider asked after commit, and the refund recorded when it answers; one it has not
   * confirmed within the deadline is SERVICE_UNAVAILABLE now and recorded by the sweeper later.
   */
  async refund(viewer: Viewer, input: RefundInput, loaders: PaymentLoaders): Promise<Payment> {
    const payment = await this.visible(input.paymentId, loaders);
    if (payment.sellerId !== viewer.userId && !loaders.admin)
      throw forbidden('Only the seller or an admin refunds a payment.');
    const reason = input.reason.trim();
    if (!reason || reason.length > MAX_REASON_LENGTH)
      throw badInput(`A reason is 1 to ${MAX_REASON_LENGTH} characters.`, 'reason');
    const given = input.idempotencyKey?.trim() || null;
    if (given && given.length > MAX_KEY_LENGTH)
      throw badInput(`An idempotency key is at most ${MAX_KEY_LENGTH} characters.`, 'idempotencyKey');
    // Askers' keys live apart from the platform's own ('order-cancelled'), so none can pre-empt it.
    const key = given && `user:${given}`;
    const fingerprint = requestFingerprint({ amount: input.amount ?? null, reason });
    const claimed = await this.outbox.transaction(async (em) => {
      const locked = await this.locked(em, payment.id);
      const earlier = key ? await em.findOne(Refund, { paymentId: locked.id, idempotencyKey: key }) : null;
      if (earlier) {
        requireSameRequest(earlier.requestFingerprint, fingerprint);
        return null;
      }
      const underWay = key ? await this.refunds.find(em, `${locked.id}:${key}`) : null;
      if (underWay) {
        requireSameRequest(underWay.request.fingerprint, fingerprint);
        return { callId: `${locked.id}:${key}`, fresh: false };
      }
      if (!refundable(locked)) {
        throw badInput(`A ${locked.status} payment cannot be refunded.`, 'paymentId');
      }
      const left = await this.refundableLeft(em, locked);
      const amount = input.amount ?? left;
      if (!Number.isSafeInteger(amount) || amount < 1 || amount > left)
        throw badInput(`Refund 1 to ${left} (minor units): that is what is left.`, 'amount');
      const callId = await this.claimRefund(em, locked, {
        amount,
        reason,
        requestedBy: viewer.userId,
        key,
        fingerprint,
        returnRequestId: null,
      });
      return { callId, fresh: true };
    });
    if (claimed) {
      const outcome = claimed.fresh
        ? await this.refunds.run(claimed.callId)
        : await this.refunds.settled(claimed.callId);
      if (outcome.state === 'done' && isRefusal(outcome.result)) throw badInput(outcome.result.refused, 'amount');
      if (outcome.state !== 'done')
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The payment provider has not confirmed this refund yet: it shows on the payment once it does. Ask ' +
            'again with the same idempotency key to see it.',
        );
    }
    return (this.outbox.orm.em as EntityManager).fork().findOneOrFail(Payment, { id: payment.id });
  }

  /**
   * A paid order cancelled before shipping, or a payment its order no longer wants: everything left goes back, once
   * however often the news arrives.
   */
  async refundCancelledOrder(
    em: EntityManager,
    orderId: string,
    afterCommit: (work: () => Promise<unknown>) => void,
  ): Promise<void> {
    const found = await em.findOne(Payment, { orderId });
    if (!found) return;
    const payment = await this.locked(em, found.id);
    if (!refundable(payment)) return;
    if (await this.refundedOrUnderWay(em, payment.id, 'order-cancelled')) return;
    const left = await this.refundableLeft(em, payment);
    if (left <= 0) return;
    const callId = await this.claimRefund(em, payment, {
      amount: left,
      reason: 'The order was cancelled.',
      requestedBy: null,
      key: 'order-cancelled',
      fingerprint: null,
      returnRequestId: null,
    });
    afterCommit(() => this.refunds.run(callId));
  }

  /**
   * A buyer's return the seller or an admin accepted: its amount goes back through the same refund
   * as `refundPayment`, under the acceptance's key so a redelivery refunds once. When it cannot be
   * made (nothing left, or the provider refuses), marketplace hears why and nothing moves.
   */
  async refundReturn(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    accepted: MarketplaceEvents['marketplace.return.accepted'],
    afterCommit: (work: () => Promise<unknown>) => void,
  ): Promise<void> {
    const { returnRequestId, orderId, amount, reason, refundKey: key } = accepted;
    const refuse = (why: string) => publish('payments.refund.refused', { returnRequestId, orderId, reason: why });
    const found = await em.findOne(Payment, { orderId });
    if (!found) return refuse('The order has no payment.');
    const payment = await this.locked(em, found.id);
    if (await this.refundedOrUnderWay(em, payment.id, key)) return;
    const left = await this.refundableLeft(em, payment);
    if (!refundable(payment) || amount < 1 || amount > left)
      return refuse(`Only ${Math.max(left, 0)} (minor units) of the payment can still be refunded.`);
    const callId = await this.claimRefund(em, payment, {
      amount,
      reason,
      requestedBy: null,
      key,
      fingerprint: null,
      returnRequestId,
    });
    afterCommit(() => this.refunds.run(callId));
  }

  private async locked(em: EntityManager, id: string): Promise<Payment> {
    await lockRow(em, 'payments', id);
    return em.findOneOrFail(Payment, { id }, { refresh: true });
  }

  /** What is left to refund of a locked payment: refunds the provider has not confirmed yet count as given. */
  private async refundableLeft(em: EntityManager, payment: Payment): Promise<number> {
    const underWay = (await this.refunds.pending(em, `${payment.id}:`)).reduce((sum, call) => sum + call.amount, 0);
    return payment.amount - payment.refundedAmount - underWay;
  }

  private async refundedOrUnderWay(em: EntityManager, paymentId: string, key: string): Promise<boolean> {
    return (
      (await em.count(Refund, { paymentId, idempotencyKey: key })) > 0 ||
      (await this.refunds.find(em, `${paymentId}:${key}`)) !== null
    );
  }

  /**
   * Claims a refund of a locked payment. Its provider key comes from the asker's key (or, without
   * one, from the refund's own id), so the sweeper's retry gets the same refund back, not a second.
   */
  private async claimRefund(
    em: EntityManager,
    payment: Payment,
    refund: Omit<RefundCall, 'paymentId' | 'orderId' | 'providerPaymentId' | 'refundId' | 'idempotencyKey'>,
  ): Promise<string> {
    const refundId = uuidv7();
    const callId = `${payment.id}:${refund.key ?? refundId}`;
    await this.refunds.claim(em, callId, {
      ...refund,
      paymentId: payment.id,
      orderId: payment.orderId,
      providerPaymentId: payment.providerPaymentId!,
      refundId,
      idempotencyKey: `peerlink-refund-${payment.id}-${refund.key ?? refundId}`,
    });
    return callId;
  }

  /**
   * The provider gave the money back: the refund is recorded on its payment, locked. A refusal of a return's refund is
   * told to marketplace.
   */
  private async recordRefund(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    refund: RefundCall,
    answer: RefundAnswer,
  ): Promise<Json> {
    if ('refused' in answer) {
      if (refund.returnRequestId)
        publish('payments.refund.refused', {
          returnRequestId: refund.returnRequestId,
          orderId: refund.orderId,
          reason: answer.refused,
        });
      return { refused: answer.refused };
    }
    const payment = await this.locked(em, refund.paymentId);
    const record = em.create(Refund, {
      id: refund.refundId,
      createdAt: timeOfUuidv7(refund.refundId),
      paymentId: payment.id,
      amount: refund.amount,
      reason: refund.reason,
      requestedBy: refund.requestedBy,
      idempotencyKey: refund.key,
      requestFingerprint: refund.fingerprint,
      providerRefundId: answer.providerRefundId,
    });
    payment.refundedAmount += refund.amount;
    payment.status =
      payment.refundedAmount >= payment.amount ? PaymentStatus.REFUNDED : PaymentStatus.PARTIALLY_REFUNDED;
    payment.updatedAt = new Date();
    await em.flush();
    const { id: paymentId, orderId, buyerId, sellerId, currency } = payment;
    publish('payments.refund.succeeded', {
      refundId: record.id,
      paymentId,
      orderId,
      buyerId,
      sellerId,
      amount: refund.amount,
      currency,
      refundedTotal: payment.refundedAmount,
      fullyRefunded: payment.status === PaymentStatus.REFUNDED,
      returnRequestId: refund.returnRequestId,
    });
    publish('payments.payment.updated', { id: paymentId, paymentId, orderId, recipientIds: [buyerId, sellerId] });
    return { refundId: record.id, providerRefundId: answer.providerRefundId };
  }

  /**
   * The provider's later word on a payment (3-D Secure finished or failed), from its webhook. Only a
   * payment still waiting moves; a late or repeated word about a settled one changes nothing. An
   * unknown payment throws: the charge that made it may not have committed yet, and the provider
   * delivers the word again.
   */
  async settle(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    providerPaymentId: string,
    outcome: { status: 'SUCCEEDED' } | { status: 'FAILED'; reason: string },
  ) {
    const found = await em.findOne(Payment, { providerPaymentId });
    if (!found) throw new Error(`No payment ${providerPaymentId} yet`);
    const payment = await this.locked(em, found.id);
    const waiting = payment.status === PaymentStatus.REQUIRES_ACTION || payment.status === PaymentStatus.PROCESSING;
    // A buyer may retry a failed payment with its client secret: money taken is money recorded
    // (and marketplace has it refunded if the order has ended).
    const lateSuccess = payment.status === PaymentStatus.FAILED && outcome.status === 'SUCCEEDED';
    if (!waiting && !lateSuccess) return;
    const { id: paymentId, orderId, buyerId, sellerId, amount, currency } = payment;
    payment.status = PaymentStatus[outcome.status];
    payment.updatedAt = new Date();
    payment.failureReason = outcome.status === 'FAILED' ? outcome.reason : null;
    await em.flush();
    if (outcome.status === 'SUCCEEDED')
      publish('payments.payment.succeeded', { paymentId, orderId, buyerId, sellerId, amount, currency });
    else
      publish('payments.payment.failed', {
        paymentId,
        orderId,
        buyerId,
        sellerId,
        reason: outcome.reason,
        amount,
        currency,
      });
    publish('payments.payment.updated', { id: paymentId, paymentId, orderId, recipientIds: [buyerId, sellerId] });
  }
}
