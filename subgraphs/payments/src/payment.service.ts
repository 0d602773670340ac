import type { EntityManager } from '@mikro-orm/postgresql';
import { lockRow, rows, table } from '@peerlink/platform/db/sql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { badInput, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { requestFingerprint, requireSameRequest } from '@peerlink/platform/idempotency';
import { checkCharge } from './access.js';
import type { PaymentsEvents } from './events.js';
import type { PaymentLoaders } from './loaders.js';
import type { MarketplaceEvents } from './marketplace-events.js';
import type { PaymentMethodService } from './payment-method.service.js';
import { Payment, PaymentStatus } from './payment.entity.js';
import { RefundRefused, type ConfirmedPayment, type PaymentProvider } from './provider.js';
import { Refund } from './refund.entity.js';

export const MAX_REASON_LENGTH = 500;

/** Money was taken and not all of it given back yet. */
const refundable = (payment: Payment) => payment.status === PaymentStatus.SUCCEEDED || payment.status === PaymentStatus.PARTIALLY_REFUNDED;
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

/** Payments: charging placed orders through the provider, and showing the result to those involved. */
export class PaymentService {
  constructor(
    private readonly provider: PaymentProvider,
    private readonly outbox: Outbox<PaymentsEvents>,
    private readonly paymentMethods: PaymentMethodService,
  ) {}

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
   * Charges a placed order, in the consumer's transaction. The row is claimed first: a second
   * delivery of the order (even under another event id) waits on the unique order id, then finds it
   * taken and does nothing. If we crash after the provider answered but before commit, nothing was
   * stored and the retry asks again with the same idempotency key, getting the same charge back.
   * The transaction stays open during the provider call; that is the price of having no payment
   * stuck half-made without a sweeper.
   */
  async charge(em: EntityManager, publish: Publish<PaymentsEvents>, order: PlacedOrder, placedAt: Date): Promise<void> {
    const { orderId, buyerId, sellerId, amount, currency, paymentMethodId } = order;
    // A malformed order is marketplace's bug: failing sends it, after retries, to the dead letters.
    const invalid = checkCharge(amount, currency);
    if (invalid) throw new Error(`Order ${orderId} cannot be charged: ${invalid}`);
    const id = uuidv7();
    const claimed = await rows(
      em,
      `insert into ${table(em, 'payments')} (id, order_id, buyer_id, seller_id, amount, currency, status, provider, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, now(), now()) on conflict (order_id) do nothing returning id`,
      [id, orderId, buyerId, sellerId, amount, currency, PaymentStatus.PROCESSING, this.provider.name],
    );
    if (!claimed.length) return;

    // A saved card is charged only for its owner; naming someone else's (or a removed one) fails the payment here.
    const card = await this.paymentMethods.chargeWith(em, buyerId, paymentMethodId, placedAt);
    // Metadata holds only what a retry repeats exactly: a new payment id would make the same key a different request.
    const result: ConfirmedPayment =
      'refused' in card
        ? { status: 'FAILED', failureReason: card.refused, providerPaymentId: '', clientSecret: '' }
        : await this.provider.confirmPayment({ amount, currency, ...card, idempotencyKey: idempotencyKeyFor(orderId), metadata: { orderId, buyerId, sellerId } });
    const parties = { paymentId: id, orderId, buyerId, sellerId };
    const stored = { status: PaymentStatus[result.status], providerPaymentId: result.providerPaymentId || null, clientSecret: result.clientSecret || null, updatedAt: new Date() };
    switch (result.status) {
      case 'SUCCEEDED':
        await em.nativeUpdate(Payment, { id }, stored);
        publish('payments.payment.succeeded', { ...parties, amount, currency });
        break;
      case 'FAILED':
        await em.nativeUpdate(Payment, { id }, { ...stored, failureReason: result.failureReason });
        publish('payments.payment.failed', { ...parties, reason: result.failureReason });
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
  }

  /** The seller (or an admin) gives back part or all of a payment. The same `idempotencyKey` refunds once. */
  async refund(viewer: Viewer, input: RefundInput, loaders: PaymentLoaders): Promise<Payment> {
    const payment = await this.visible(input.paymentId, loaders);
    if (payment.sellerId !== viewer.userId && !loaders.admin) throw forbidden('Only the seller or an admin refunds a payment.');
    const reason = input.reason.trim();
    if (!reason || reason.length > MAX_REASON_LENGTH) throw badInput(`A reason is 1 to ${MAX_REASON_LENGTH} characters.`, 'reason');
    const given = input.idempotencyKey?.trim() || null;
    if (given && given.length > MAX_KEY_LENGTH) throw badInput(`An idempotency key is at most ${MAX_KEY_LENGTH} characters.`, 'idempotencyKey');
    // Askers' keys live apart from the platform's own ('order-cancelled'), so none can pre-empt it.
    const key = given && `user:${given}`;
    const fingerprint = requestFingerprint({ amount: input.amount ?? null, reason });
    return this.outbox.transaction(async (em, publish) => {
      const locked = await this.locked(em, payment.id);
      const earlier = key ? await em.findOne(Refund, { paymentId: locked.id, idempotencyKey: key }) : null;
      if (earlier) {
        requireSameRequest(earlier.requestFingerprint, fingerprint);
        return locked;
      }
      if (!refundable(locked)) {
        throw badInput(`A ${locked.status} payment cannot be refunded.`, 'paymentId');
      }
      const left = locked.amount - locked.refundedAmount;
      const amount = input.amount ?? left;
      if (!Number.isSafeInteger(amount) || amount < 1 || amount > left) throw badInput(`Refund 1 to ${left} (minor units): that is what is left.`, 'amount');
      try {
        await this.giveBack(em, publish, locked, { amount, reason, requestedBy: viewer.userId, key, fingerprint });
      } catch (error) {
        if (error instanceof RefundRefused) throw badInput(error.message, 'amount');
        throw error;
      }
      return locked;
    });
  }

  /** A paid order cancelled before shipping, or a payment its order no longer wants: everything left goes back, once however often the news arrives. */
  async refundCancelledOrder(em: EntityManager, publish: Publish<PaymentsEvents>, orderId: string): Promise<void> {
    const found = await em.findOne(Payment, { orderId });
    if (!found) return;
    const payment = await this.locked(em, found.id);
    const left = payment.amount - payment.refundedAmount;
    if (left <= 0 || !refundable(payment)) return;
    if (await em.count(Refund, { paymentId: payment.id, idempotencyKey: 'order-cancelled' })) return;
    await this.giveBack(em, publish, payment, { amount: left, reason: 'The order was cancelled.', requestedBy: null, key: 'order-cancelled' });
  }

  /**
   * A buyer's return the seller or an admin accepted: its amount goes back through the same refund
   * as `refundPayment`, under the acceptance's key so a redelivery refunds once. When it cannot be
   * made (nothing left, or the provider refuses), marketplace hears why and nothing moves.
   */
  async refundReturn(em: EntityManager, publish: Publish<PaymentsEvents>, accepted: MarketplaceEvents['marketplace.return.accepted']): Promise<void> {
    const { returnRequestId, orderId, amount, reason, refundKey: key } = accepted;
    const refuse = (why: string) => publish('payments.refund.refused', { returnRequestId, orderId, reason: why });
    const found = await em.findOne(Payment, { orderId });
    if (!found) return refuse('The order has no payment.');
    const payment = await this.locked(em, found.id);
    if (await em.count(Refund, { paymentId: payment.id, idempotencyKey: key })) return;
    const left = payment.amount - payment.refundedAmount;
    if (!refundable(payment) || amount < 1 || amount > left) return refuse(`Only ${Math.max(left, 0)} (minor units) of the payment can still be refunded.`);
    try {
      await this.giveBack(em, publish, payment, { amount, reason, requestedBy: null, key, returnRequestId });
    } catch (error) {
      if (error instanceof RefundRefused) return refuse(error.message);
      throw error;
    }
  }

  private async locked(em: EntityManager, id: string): Promise<Payment> {
    await lockRow(em, 'payments', id);
    return em.findOneOrFail(Payment, { id }, { refresh: true });
  }

  /**
   * Asks the provider, then records the refund, in the caller's transaction with the payment
   * locked. A refund with a key uses a provider key made from it, so a retry after a crash between
   * the two gets the same refund back rather than a second one.
   */
  private async giveBack(
    em: EntityManager,
    publish: Publish<PaymentsEvents>,
    payment: Payment,
    refund: { amount: number; reason: string; requestedBy: string | null; key: string | null; fingerprint?: string; returnRequestId?: string },
  ) {
    // Recorded only once the provider said yes, so a refusal the caller handles leaves nothing behind.
    const id = uuidv7();
    const { providerRefundId } = await this.provider.refund({
      providerPaymentId: payment.providerPaymentId!,
      amount: refund.amount,
      idempotencyKey: `peerlink-refund-${payment.id}-${refund.key ?? id}`,
      metadata: { paymentId: payment.id, orderId: payment.orderId },
    });
    const record = em.create(Refund, {
      id,
      createdAt: timeOfUuidv7(id),
      paymentId: payment.id,
      amount: refund.amount,
      reason: refund.reason,
      requestedBy: refund.requestedBy,
      idempotencyKey: refund.key,
      requestFingerprint: refund.fingerprint ?? null,
      providerRefundId,
    });
    payment.refundedAmount += refund.amount;
    payment.status = payment.refundedAmount === payment.amount ? PaymentStatus.REFUNDED : PaymentStatus.PARTIALLY_REFUNDED;
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
      returnRequestId: refund.returnRequestId ?? null,
    });
    publish('payments.payment.updated', { id: paymentId, paymentId, orderId, recipientIds: [buyerId, sellerId] });
  }

  /**
   * The provider's later word on a payment (3-D Secure finished or failed), from its webhook. Only a
   * payment still waiting moves; a late or repeated word about a settled one changes nothing. An
   * unknown payment throws: the charge that made it may not have committed yet, and the provider
   * delivers the word again.
   */
  async settle(em: EntityManager, publish: Publish<PaymentsEvents>, providerPaymentId: string, outcome: { status: 'SUCCEEDED' } | { status: 'FAILED'; reason: string }) {
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
    if (outcome.status === 'SUCCEEDED') publish('payments.payment.succeeded', { paymentId, orderId, buyerId, sellerId, amount, currency });
    else publish('payments.payment.failed', { paymentId, orderId, buyerId, sellerId, reason: outcome.reason });
    publish('payments.payment.updated', { id: paymentId, paymentId, orderId, recipientIds: [buyerId, sellerId] });
  }
}
