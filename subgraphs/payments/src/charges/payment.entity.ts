import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum PaymentStatus {
  REQUIRES_ACTION = 'REQUIRES_ACTION',
  PROCESSING = 'PROCESSING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  REFUNDED = 'REFUNDED',
  PARTIALLY_REFUNDED = 'PARTIALLY_REFUNDED',
}
registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  valuesConfig: {
    REQUIRES_ACTION: { description: 'The buyer must authenticate the payment (3-D Secure) at `actionUrl`.' },
    PROCESSING: { description: 'Sent to the provider; no answer yet.' },
  },
});

/**
 * The one payment of a marketplace order (`orderId` is unique): what the buyer is charged and how it
 * went at the provider. The order's buyer and seller may see it.
 */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'payments' })
export class Payment {
  [OptionalProps]?:
    | 'id'
    | 'createdAt'
    | 'updatedAt'
    | 'providerPaymentId'
    | 'clientSecret'
    | 'failureReason'
    | 'actionUrl'
    | 'refundedAmount';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid', unique: true })
  orderId!: string;

  @Property({ type: 'uuid' })
  buyerId!: string;

  @Property({ type: 'uuid' })
  sellerId!: string;

  @Field(() => Int, { description: 'In minor units of the currency, e.g. cents.', deprecationReason: 'Use total.' })
  @Property()
  amount!: number;

  @Field({ description: 'Lowercase ISO 4217, e.g. "usd".', deprecationReason: 'Use total.' })
  @Property()
  currency!: string;

  @Field(() => PaymentStatus)
  @Enum({ items: () => PaymentStatus })
  status!: PaymentStatus;

  @Field({ description: 'Who processes it, e.g. "sandbox".' })
  @Property()
  provider!: string;

  @Property({ type: 'text', nullable: true, index: 'payments_provider_payment_id' })
  providerPaymentId: string | null = null;

  @Property({ type: 'text', nullable: true })
  clientSecret: string | null = null;

  @Field(() => String, { nullable: true, description: 'Why it failed, in words the buyer can read.' })
  @Property({ type: 'text', nullable: true })
  failureReason: string | null = null;

  @Property({ type: 'text', nullable: true })
  actionUrl: string | null = null;

  @Field(() => Int, { description: 'Given back so far, in minor units.', deprecationReason: 'Use refunded.' })
  @Property({ type: 'integer' })
  refundedAmount: number = 0;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
