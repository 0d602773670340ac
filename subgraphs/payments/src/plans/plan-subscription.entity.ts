import { Entity, Enum, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum PlanSubscriptionStatus {
  PENDING = 'PENDING',
  INCOMPLETE = 'INCOMPLETE',
  ACTIVE = 'ACTIVE',
  PAST_DUE = 'PAST_DUE',
  CANCELLED = 'CANCELLED',
}
registerEnumType(PlanSubscriptionStatus, {
  name: 'PlanSubscriptionStatus',
  valuesConfig: {
    PENDING: {
      description:
        'Being started: the provider was asked and its answer is not recorded yet. Subscribing again with ' +
        'the same key finishes it.',
    },
    INCOMPLETE: {
      description: 'The first payment did not go through (`latestPaymentFailure`): nothing started; subscribe again.',
    },
    ACTIVE: { description: 'Paid until `currentPeriodEnd`; renews then unless `cancelAtPeriodEnd`.' },
    PAST_DUE: { description: 'A renewal failed (`latestPaymentFailure`); the provider tries again.' },
    CANCELLED: { description: 'Over for good.' },
  },
});

/** Statuses of a subscription the provider renews: the owner has the plan. */
export const LIVE_STATUSES = [PlanSubscriptionStatus.ACTIVE, PlanSubscriptionStatus.PAST_DUE];

/** Statuses that hold the one subscription a user may have to a plan: a pending one may turn out live. */
export const HELD_STATUSES = [PlanSubscriptionStatus.PENDING, ...LIVE_STATUSES];

/** A user's subscription to a plan, renewed by the provider; only its owner sees it. */
@ObjectType()
@Entity({ tableName: 'plan_subscriptions' })
@Unique({ properties: ['userId', 'idempotencyKey'] })
export class PlanSubscription {
  [OptionalProps]?:
    | 'id'
    | 'createdAt'
    | 'updatedAt'
    | 'providerSubscriptionId'
    | 'currentPeriodEnd'
    | 'cancelAtPeriodEnd'
    | 'latestPaymentFailure'
    | 'requestFingerprint';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  planId!: string;

  /** The saved card it renews with. */
  @Property({ type: 'uuid' })
  paymentMethodId!: string;

  @Property({ type: 'text' })
  idempotencyKey!: string;

  /**
   * What the key's first request asked for (`requestFingerprint`): the same key with other parameters is a CONFLICT.
   */
  @Property({ type: 'text', nullable: true })
  requestFingerprint: string | null = null;

  @Property()
  provider!: string;

  @Property({ type: 'text', nullable: true, unique: true })
  providerSubscriptionId: string | null = null;

  @Field(() => PlanSubscriptionStatus)
  @Enum({ items: () => PlanSubscriptionStatus })
  status!: PlanSubscriptionStatus;

  @Field(() => Date, {
    nullable: true,
    description: 'The end of the period paid for: the subscriber has the plan until then.',
  })
  @Property({ type: 'timestamptz', nullable: true })
  currentPeriodEnd: Date | null = null;

  @Field({ description: 'Cancelled by its owner: it ends with the current period instead of renewing.' })
  @Property()
  cancelAtPeriodEnd: boolean = false;

  @Field(() => String, {
    nullable: true,
    description: 'Why the last payment failed, while it matters (INCOMPLETE, PAST_DUE).',
  })
  @Property({ type: 'text', nullable: true })
  latestPaymentFailure: string | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
