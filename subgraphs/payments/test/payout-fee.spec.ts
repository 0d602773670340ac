import { describe, expect, it } from 'vitest';
import { completesSale } from '#src/payouts/payout-events.handler';
import { basisPointsOf, reversalDue, splitOf } from '#src/payouts/payout-fee';

describe('splitOf (the platform fee, in minor units)', () => {
  it('takes the fee rounded half up, and leaves the rest to the seller', () => {
    expect(splitOf(2500, 1000)).toEqual({ gross: 2500, fee: 250, net: 2250 });
    expect(splitOf(1005, 1000)).toEqual({ gross: 1005, fee: 101, net: 904 }); // 100.5 → 101
    expect(splitOf(1004, 1000)).toEqual({ gross: 1004, fee: 100, net: 904 }); // 100.4 → 100
    expect(splitOf(999, 290)).toEqual({ gross: 999, fee: 29, net: 970 }); // 28.971 → 29
    expect(splitOf(1, 4999)).toEqual({ gross: 1, fee: 0, net: 1 });
    expect(splitOf(1, 5000)).toEqual({ gross: 1, fee: 1, net: 0 });
  });

  it('covers the ends: no fee, all of it, nothing sold, the largest charge', () => {
    expect(splitOf(2500, 0)).toEqual({ gross: 2500, fee: 0, net: 2500 });
    expect(splitOf(2500, 10_000)).toEqual({ gross: 2500, fee: 2500, net: 0 });
    expect(splitOf(0, 1000)).toEqual({ gross: 0, fee: 0, net: 0 });
    expect(splitOf(2 ** 31 - 1, 1234)).toEqual({
      gross: 2 ** 31 - 1,
      fee: 264_999_482,
      net: 2 ** 31 - 1 - 264_999_482,
    });
  });

  it('always adds up to the gross, and the seller’s share never falls as the gross rises', () => {
    for (const bps of [0, 1, 250, 999, 1000, 3333, 5000, 9999, 10_000]) {
      let last = 0;
      for (let gross = 0; gross <= 3000; gross++) {
        const { fee, net } = splitOf(gross, bps);
        expect(fee + net).toBe(gross);
        expect(net).toBeGreaterThanOrEqual(last);
        last = net;
      }
    }
  });

  it('refuses what is not whole minor units or a fee outside 0–100%', () => {
    expect(() => splitOf(10.5, 1000)).toThrow(/whole/);
    expect(() => splitOf(-1, 1000)).toThrow(/whole/);
    expect(() => splitOf(100, 10_001)).toThrow(/basis points/);
    expect(() => splitOf(100, 12.5)).toThrow(/basis points/);
  });

  it('reads PLATFORM_FEE_PERCENT as basis points', () => {
    expect([10, 2.9, 0.01, 0, 100, 12.34].map(basisPointsOf)).toEqual([1000, 290, 1, 0, 10_000, 1234]);
  });
});

describe('reversalDue (a refund after the seller was paid)', () => {
  it('takes back the seller’s part of each refund, and everything once all is refunded', () => {
    // 2500 paid, 10%: the seller got 2250. 1000 refunded: they keep 1350 of 1500, so 900 goes back.
    expect(reversalDue(2250, 0, 1500, 1000)).toBe(900);
    expect(reversalDue(2250, 900, 1500, 1000)).toBe(0);
    expect(reversalDue(2250, 900, 0, 1000)).toBe(1350);
    expect(reversalDue(2250, 0, 0, 1000)).toBe(2250);
  });

  it('never asks for a negative reversal', () => {
    expect(reversalDue(2250, 2250, 0, 1000)).toBe(0);
    expect(reversalDue(0, 0, 0, 10_000)).toBe(0);
  });
});

describe('completesSale (when a payout falls due)', () => {
  it('on delivery of what ships, on payment of what is digital, never for advertising', () => {
    expect(completesSale({ status: 'DELIVERED', purpose: 'SALE', ships: true })).toBe(true);
    expect(completesSale({ status: 'PAID', purpose: 'SALE', ships: true })).toBe(false);
    expect(completesSale({ status: 'SHIPPED', purpose: 'SALE', ships: true })).toBe(false);
    expect(completesSale({ status: 'PAID', purpose: 'SALE', ships: false })).toBe(true);
    // Events from before `ships` existed wait for delivery rather than pay out early.
    expect(completesSale({ status: 'PAID', purpose: 'SALE' })).toBe(false);
    expect(completesSale({ status: 'DELIVERED', purpose: 'SALE' })).toBe(true);
    expect(completesSale({ status: 'DELIVERED' })).toBe(true);
    expect(completesSale({ status: 'REFUNDED', purpose: 'SALE', ships: false })).toBe(false);
    expect(completesSale({ status: 'PAID', purpose: 'ADVERTISING', ships: false })).toBe(false);
  });
});
