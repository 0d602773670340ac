import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { checkPrice, MAX_PRICE } from '@peerlink/platform/graphql/money';

const fieldOf = (check: () => unknown) => {
  try {
    check();
  } catch (error) {
    return (error as { extensions?: { field?: string } }).extensions?.field;
  }
  return 'accepted';
};

describe('checkPrice', () => {
  it('takes whole minor units and a three-letter currency, lowercased', () => {
    expect(checkPrice(999, ' USD ')).toEqual({ amount: 999, currency: 'usd' });
    expect(checkPrice(MAX_PRICE, 'eur')).toEqual({ amount: MAX_PRICE, currency: 'eur' });
  });

  it('names the field to fix', () => {
    expect(fieldOf(() => checkPrice(0, 'usd', 'priceAmount', 'currency'))).toBe('priceAmount');
    expect(fieldOf(() => checkPrice(1.5, 'usd', 'priceAmount', 'currency'))).toBe('priceAmount');
    expect(fieldOf(() => checkPrice(MAX_PRICE + 1, 'usd', 'priceAmount', 'currency'))).toBe('priceAmount');
    expect(fieldOf(() => checkPrice(100, 'dollars', 'priceAmount', 'currency'))).toBe('currency');
    expect(fieldOf(() => checkPrice(100, 'us'))).toBe('price');
  });
});
