import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum PlanInterval {
  MONTH = 'MONTH',
  YEAR = 'YEAR',
}
registerEnumType(PlanInterval, { name: 'PlanInterval', description: 'How often a plan renews.' });

/**
 * Something PeerLink itself sells by the month or year (e.g. "PeerLink Plus"), made by admins.
 * An archived plan takes no new subscribers; those it has keep renewing.
 */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'plans' })
export class Plan {
  [OptionalProps]?: 'id' | 'createdAt' | 'active' | 'description' | 'priced';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Field()
  @Property({ type: 'text' })
  name!: string;

  @Field()
  @Property({ type: 'text' })
  description: string = '';

  @Field(() => Int, {
    description: 'Charged each period, in minor units of the currency, e.g. cents.',
    deprecationReason: 'Use price.',
  })
  @Property()
  amount!: number;

  @Field({ description: 'Lowercase ISO 4217, e.g. "usd".', deprecationReason: 'Use price.' })
  @Property()
  currency!: string;

  @Field(() => PlanInterval)
  @Enum({ items: () => PlanInterval })
  interval!: PlanInterval;

  @Field({ description: 'False once archived: no new subscribers.' })
  @Property()
  active: boolean = true;

  @Property()
  provider!: string;

  /**
   * The provider's recurring price (Stripe: `price_…` of a Product made with the plan); empty until the provider has
   * made it.
   */
  @Property({ type: 'text' })
  providerPriceId!: string;

  @Field({ description: 'True once the payment provider has made the plan’s price: only then is it on sale.' })
  get priced(): boolean {
    return this.providerPriceId !== '';
  }

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);
}
