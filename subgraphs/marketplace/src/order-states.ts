/**
 * An order's life. Payment moves it out of PENDING_PAYMENT (to PAID or PAYMENT_FAILED); the seller
 * ships and delivers; unpaid orders are cancelled by the buyer or when they expire.
 *
 *   PENDING_PAYMENT → PAID → SHIPPED → DELIVERED
 *         ↓            ↓
 *   PAYMENT_FAILED   CANCELLED (before shipping)   · REFUNDED from PAID, SHIPPED or DELIVERED
 */
export enum OrderStatus {
  PENDING_PAYMENT = 'PENDING_PAYMENT',
  PAID = 'PAID',
  SHIPPED = 'SHIPPED',
  DELIVERED = 'DELIVERED',
  PAYMENT_FAILED = 'PAYMENT_FAILED',
  CANCELLED = 'CANCELLED',
  REFUNDED = 'REFUNDED',
}

const NEXT: Record<OrderStatus, OrderStatus[]> = {
  [OrderStatus.PENDING_PAYMENT]: [OrderStatus.PAID, OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED],
  [OrderStatus.PAID]: [OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUNDED],
  [OrderStatus.SHIPPED]: [OrderStatus.DELIVERED, OrderStatus.REFUNDED],
  [OrderStatus.DELIVERED]: [OrderStatus.REFUNDED],
  [OrderStatus.PAYMENT_FAILED]: [],
  [OrderStatus.CANCELLED]: [],
  [OrderStatus.REFUNDED]: [],
};

export const canMove = (from: OrderStatus, to: OrderStatus) => NEXT[from].includes(to);

/** Stock taken by these orders goes back on the shelf when they end before shipping. */
export const releasesStock = (from: OrderStatus, to: OrderStatus) =>
  (from === OrderStatus.PENDING_PAYMENT || from === OrderStatus.PAID) &&
  (to === OrderStatus.PAYMENT_FAILED || to === OrderStatus.CANCELLED || to === OrderStatus.REFUNDED);
