import { describe, expect, it } from 'vitest';
import { canMove, OrderStatus, releasesStock } from '#src/order-states';

const { PENDING_PAYMENT, PAID, SHIPPED, DELIVERED, PAYMENT_FAILED, CANCELLED, REFUNDED } = OrderStatus;

describe('order states', () => {
  it('move forward along the happy path only', () => {
    expect([canMove(PENDING_PAYMENT, PAID), canMove(PAID, SHIPPED), canMove(SHIPPED, DELIVERED)]).toEqual([
      true,
      true,
      true,
    ]);
    expect([
      canMove(PAID, PENDING_PAYMENT),
      canMove(DELIVERED, SHIPPED),
      canMove(PENDING_PAYMENT, SHIPPED),
      canMove(PAID, DELIVERED),
    ]).toEqual([false, false, false, false]);
  });

  it('end for good once failed, cancelled or refunded', () => {
    for (const end of [PAYMENT_FAILED, CANCELLED, REFUNDED]) {
      for (const next of Object.values(OrderStatus)) expect(canMove(end, next)).toBe(false);
    }
  });

  it('let a late payment verdict change nothing', () => {
    expect(canMove(CANCELLED, PAID)).toBe(false);
    expect(canMove(PAID, PAYMENT_FAILED)).toBe(false);
  });

  it('put stock back only when an order ends before it ships', () => {
    expect(releasesStock(PENDING_PAYMENT, PAYMENT_FAILED)).toBe(true);
    expect(releasesStock(PENDING_PAYMENT, CANCELLED)).toBe(true);
    expect(releasesStock(PAID, CANCELLED)).toBe(true);
    expect(releasesStock(PAID, REFUNDED)).toBe(true);
    expect(releasesStock(SHIPPED, REFUNDED)).toBe(false);
    expect(releasesStock(PENDING_PAYMENT, PAID)).toBe(false);
  });
});
