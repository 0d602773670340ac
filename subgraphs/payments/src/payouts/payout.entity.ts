import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum PayoutStatus {
  HELD = 'HELD',
  PAID = 'PAID',
  PARTIALLY_REVERSED = 'PARTIALLY_REVERSED',
  REVERSED = 'REVERSED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(PayoutStatus, {
  name: 'PayoutStatus',
  valuesConfig: {
    HELD: { description: 'Due, but waiting for the seller’s payout account to be enabled (`holdReason` says why).' },
    PAID: { description: 'Sent to the seller’s payout account.' },
    PARTIALLY_REVERSED: { description: 'Paid, then partly taken back after a refund to the buyer.' },
    REVERSED: { description: 'Paid, then all taken back: the sale was refunded in full.' },
    CANCELLED: { description: 'Refunded in full while held: nothing is owed.' },
  },
});

/**
 * The seller's share of one paid order (`orderId` and `paymentId` are unique): the gross still paid
 * when it fell due, the platform's fee and what the seller gets. Only the seller and admins see it.
 */
@ObjectType()
@Entity({ tableName: 'payouts' })
export class Payout {
  [OptionalProps]?:
    | 'id'
    | 'createdAt'
    | 'updatedAt'
    | 'providerTransferId'
    | 'reversedAmount'
    | 'refundsCovered'
    | 'transferAttempts'
    | 'holdReason'
    | 'paidAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  sellerId!: string;

  @Property({ type: 'uuid', unique: true })
  orderId!: string;

  @Property({ type: 'uuid', unique: true })
  paymentId!: string;

  @Field(() => Int, {
    description: 'Gross: what the buyer paid, less refunds before it fell due, in minor units.',
    deprecationReason: 'Use grossTotal.',
  })
  @Property({ type: 'integer' })
  amount!: number;

  @Field(() => Int, {
    description: 'The platform’s fee (PLATFORM_FEE_PERCENT of the gross, rounded half up).',
    deprecationReason: 'Use feeTotal.',
  })
  @Property({ type: 'integer' })
  fee!: number;

  @Field(() => Int, { description: 'What the seller gets: amount − fee.', deprecationReason: 'Use netTotal.' })
  @Property({ type: 'integer' })
  net!: number;

  /** The fee rate when it fell due; refunds later are split at the same rate. */
  @Property({ type: 'integer' })
  feeBasisPoints!: number;

  @Field({ description: 'Lowercase ISO 4217, e.g. "usd".', deprecationReason: 'Use grossTotal.' })
  @Property()
  currency!: string;

  @Field(() => PayoutStatus)
  @Enum({ items: () => PayoutStatus })
  status!: PayoutStatus;

  @Field(() => Int, {
    description: 'Taken back from the seller after refunds, in minor units.',
    deprecationReason: 'Use reversed.',
  })
  @Property({ type: 'integer' })
  reversedAmount: number = 0;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  holdReason: string | null = null;

  @Property({ type: 'text', nullable: true })
  providerTransferId: string | null = null;

  /** The payment's refunded total already reflected here: a refund event at or below it changes nothing. */
  @Property({ type: 'integer' })
  refundsCovered: number = 0;

  /** Refused transfer attempts so far; part of the provider key, as a refusal is remembered under its key. */
  @Property({ type: 'integer' })
  transferAttempts: number = 0;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  paidAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

export const PayoutConnection = connectionOf(Payout, 'Payout', { totalCount: 'How many there are in all.' });
