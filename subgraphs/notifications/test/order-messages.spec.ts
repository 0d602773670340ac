import { describe, expect, it } from 'vitest';
import { orderMessages, refundMessage } from '#src/marketplace-events.handler';
import { formatMoney } from '#src/messages';
import { payoutMessage } from '#src/payments-events.handler';

const change = (status: string, previousStatus = 'PENDING_PAYMENT') => ({
  orderId: 'o1',
  buyerId: 'buyer',
  sellerId: 'seller',
  status,
  previousStatus,
  amount: 6000,
  currency: 'usd',
  summary: '2 × Lamp',
  trackingNumber: '1Z9',
  digitalFileIds: [],
  purpose: 'SALE' as 'SALE' | 'ADVERTISING',
  ships: true,
});

describe('order messages', () => {
  it('tell the seller of a sale and give the buyer a receipt', () => {
    expect(orderMessages(change('PAID')).map((m) => [m.recipientId, m.title])).toEqual([
      ['seller', 'New order: 2 × Lamp'],
      ['buyer', 'Payment received'],
    ]);
  });

  it('tell only the buyer of failures, shipping and refunds', () => {
    for (const status of ['PAYMENT_FAILED', 'SHIPPED', 'DELIVERED'])
      expect(orderMessages(change(status)).map((m) => m.recipientId)).toEqual(['buyer']);
    expect(orderMessages(change('SHIPPED'))[0]?.body).toContain('1Z9');
  });

  it('warn the seller when a paid order is cancelled, not an unpaid one', () => {
    expect(orderMessages(change('CANCELLED', 'PENDING_PAYMENT')).map((m) => m.recipientId)).toEqual(['buyer']);
    expect(orderMessages(change('CANCELLED', 'PAID')).map((m) => m.recipientId)).toEqual(['buyer', 'seller']);
  });

  it('tell only the buyer of an advertising order, the platform being its seller', () => {
    expect(orderMessages({ ...change('PAID'), purpose: 'ADVERTISING' }).map((m) => [m.recipientId, m.title])).toEqual([
      ['buyer', 'Payment received'],
    ]);
  });

  it('say nothing of other moves; refunds have their own message, whole or in part', () => {
    expect(orderMessages(change('PENDING_PAYMENT'))).toEqual([]);
    expect(orderMessages(change('REFUNDED', 'PAID'))).toEqual([]);
    const refund = {
      orderId: 'o1',
      buyerId: 'buyer',
      sellerId: 'seller',
      amount: 1000,
      refundedTotal: 2500,
      currency: 'usd',
      summary: '2 × Lamp',
      fully: false,
    };
    expect(refundMessage(refund)).toEqual({
      recipientId: 'buyer',
      title: 'Refund issued',
      body: '$10.00 for 2 × Lamp is on its way back to you ($25.00 so far).',
    });
    expect(refundMessage({ ...refund, fully: true }).body).toMatch(/the whole order/);
  });

  it('write amounts in the currency’s own unit', () => {
    expect(formatMoney(6000, 'usd')).toBe('$60.00');
    expect(formatMoney(500, 'jpy')).toBe('¥500');
    expect(formatMoney(1999, 'eur')).toBe('€19.99');
  });
});

describe('payout messages', () => {
  it('tell the seller what was sent and what the platform kept', () => {
    expect(
      payoutMessage({ payoutId: 'p1', orderId: 'o1', sellerId: 'seller', amount: 2250, fee: 250, currency: 'usd' }),
    ).toEqual({
      recipientId: 'seller',
      title: 'Payout sent: $22.50',
      body: 'Your share of order o1 is on its way to your payout account (platform fee $2.50).',
    });
  });
});
