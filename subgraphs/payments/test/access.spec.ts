import { describe, expect, it } from 'vitest';
import { canSee, checkCharge, isPayer } from '#src/access';
import { idempotencyKeyFor } from '#src/charges/payment.service';

const payment = { buyerId: 'buyer', sellerId: 'seller' };

describe('who sees a payment', () => {
  it('is the buyer, the seller and admins; nobody else, signed in or not', () => {
    expect(canSee(payment, 'buyer')).toBe(true);
    expect(canSee(payment, 'seller')).toBe(true);
    expect(canSee(payment, 'someone', true)).toBe(true);
    expect(canSee(payment, 'someone')).toBe(false);
    expect(canSee(payment, null)).toBe(false);
  });

  it('gives the payment’s secrets to the buyer only', () => {
    expect(isPayer(payment, 'buyer')).toBe(true);
    expect(isPayer(payment, 'seller')).toBe(false);
    expect(isPayer(payment, null)).toBe(false);
  });
});

describe('checkCharge', () => {
  it('takes positive whole minor units in a lowercase ISO currency', () => {
    expect(checkCharge(2500, 'usd')).toBeNull();
    expect(checkCharge(1, 'eur')).toBeNull();
    for (const amount of [0, -100, 12.5, Number.NaN, 2 ** 31]) expect(checkCharge(amount, 'usd')).toMatch(/amount/);
    for (const currency of ['USD', 'us', 'dollars', '']) expect(checkCharge(2500, currency)).toMatch(/currency/);
  });
});

describe('idempotencyKeyFor', () => {
  it('is the same for the same order, however its id is written, and differs between orders', () => {
    const order = '0195f000-0000-7000-8000-00000000000a';
    expect(idempotencyKeyFor(order)).toBe(idempotencyKeyFor(order.toUpperCase()));
    expect(idempotencyKeyFor(order)).not.toBe(idempotencyKeyFor('0195f000-0000-7000-8000-00000000000b'));
  });
});
