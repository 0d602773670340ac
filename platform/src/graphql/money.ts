import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from '../errors.js';

/**
 * An amount of money: an integer in the currency's minor unit (cents), never a float. Every
 * subgraph that shows money uses this one class, so the shared type is identical everywhere, as
 * federation requires of a value type several subgraphs resolve.
 */
@Directive('@shareable')
@ObjectType()
export class Money {
  @Field(() => Int, { description: 'In the minor unit: 1999 is 19.99 USD.' })
  amount!: number;

  @Field({ description: 'ISO 4217, lowercase: "usd".' })
  currency!: string;
}

export const money = (amount: number, currency: string): Money => ({ amount, currency });

/** Up to a million in major units: a price above that is a typo. */
export const MAX_PRICE = 100_000_000;

/** A price anything is sold at (a product, a course): whole minor units, and an ISO 4217 code, lowercased. */
export function checkPrice(amount: number, currency: string, field = 'price', currencyField = field): Money {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_PRICE)
    throw badInput(`A price is a whole number of minor units from 1 to ${MAX_PRICE}.`, field);
  const code = currency.trim().toLowerCase();
  if (!/^[a-z]{3}$/.test(code))
    throw badInput('A currency is a three-letter ISO 4217 code such as "usd".', currencyField);
  return money(amount, code);
}
