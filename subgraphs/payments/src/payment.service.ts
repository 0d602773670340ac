import type { EntityManager } from '@mikro-orm/postgresql';
import { rows, table } from '@peerlink/platform/db/sql';
import { notFound } from '@peerlink/platform/errors';
import type { Publish } from '@peerlink/platform/events/outbox';
import { uuidv7 } from '@peerlink/platform/ids';
import { checkCharge } from './access.js';
import type { PaymentsEvents } from './events.js';
import type { PaymentLoaders } from './loaders.js';
import type { MarketplaceEvents } from './marketplace-events.js';
import { Payment, PaymentStatus } from './payment.entity.js';
import type { PaymentProvider } from './provider.js';

type PlacedOrder = MarketplaceEvents['marketplace.order.placed'];

/**
 * One key per order: however often the order's charge is retried, the provider charges once. It backs
 * up the unique order id rather than replacing it, as Stripe forgets keys after 24 hours.
 */
export const idempotencyKeyFor = (orderId: string) => `peerlink-order-${orderId.toLowerCase()}`;

/** Payments: charging placed orders through the provider, and showing the result to those involved. */
export class PaymentService {
  constructor(private readonly provider: PaymentProvider) {}

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
  async charge(em: EntityManager, publish: Publish<PaymentsEvents>, order: PlacedOrder): Promise<void> {
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

    // Metadata holds only what a retry repeats exactly: a new payment id would make the same key a different request.
    const result = await this.provider.confirmPayment({
      amount,
      currency,
      paymentMethodId,
      idempotencyKey: idempotencyKeyFor(orderId),
      metadata: { orderId, buyerId, sellerId },
    });
    const parties = { paymentId: id, orderId, buyerId, sellerId };
    const stored = { status: PaymentStatus[result.status], providerPaymentId: result.providerPaymentId, clientSecret: result.clientSecret, updatedAt: new Date() };
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
    }
    publish('payments.payment.updated', { id, recipientIds: [buyerId, sellerId] });
  }
}
