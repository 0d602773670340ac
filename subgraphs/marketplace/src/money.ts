import { badInput } from '@peerlink/platform/errors';
import { money, type Money } from '@peerlink/platform/graphql/money';

// Money is platform's, shared with payments: one definition keeps the federated type identical.
export { Money, money } from '@peerlink/platform/graphql/money';

/** Up to a million in major units: a price above that is a typo. */
export const MAX_PRICE = 100_000_000;

/** The most one line or order may total: what a 32-bit `Int` (GraphQL's, and the provider's) holds. */
export const MAX_TOTAL = 2 ** 31 - 1;

export function checkPrice(amount: number, currency: string, field = 'price'): Money {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_PRICE)
    throw badInput(`A price is a whole number of minor units from 1 to ${MAX_PRICE}.`, field);
  const code = currency.trim().toLowerCase();
  if (!/^[a-z]{3}$/.test(code)) throw badInput('A currency is a three-letter ISO 4217 code such as "usd".', field);
  return money(amount, code);
}
