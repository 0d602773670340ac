import { Directive, Field, Int, ObjectType } from 'type-graphql';

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
