import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, Int, ObjectType } from 'type-graphql';

/**
 * A card a user saved with the provider, to pay with later by its `id` (checkout's `paymentMethodId`,
 * `subscribeToPlan`). Only its owner sees it, and only its owner's payments may charge it. A removed
 * one keeps its row (`removedAt`), so a payment naming it fails with a reason rather than a mystery.
 */
@ObjectType()
@Entity({ tableName: 'payment_methods' })
@Index({ properties: ['userId', 'removedAt'] })
export class PaymentMethod {
  [OptionalProps]?: 'id' | 'createdAt' | 'isDefault' | 'removedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property()
  provider!: string;

  /** The provider's id of the saved card (Stripe: `pm_…`, attached to the user's Customer). */
  @Property({ type: 'text', unique: true })
  providerPaymentMethodId!: string;

  @Field({ description: 'The card network, e.g. "visa", "mastercard", "amex".' })
  @Property()
  brand!: string;

  @Field()
  @Property()
  last4!: string;

  @Field(() => Int)
  @Property()
  expMonth!: number;

  @Field(() => Int)
  @Property()
  expYear!: number;

  @Field({
    description:
      'The card to offer first at checkout: the first one saved, or the one chosen with setDefaultPaymentMethod.',
  })
  @Property()
  isDefault: boolean = false;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Property({ type: 'timestamptz', nullable: true })
  removedAt: Date | null = null;
}
