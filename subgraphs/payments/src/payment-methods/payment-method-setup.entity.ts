import { Entity, Enum, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum PaymentMethodSetupStatus {
  SUCCEEDED = 'SUCCEEDED',
  REQUIRES_ACTION = 'REQUIRES_ACTION',
  REQUIRES_PAYMENT_METHOD = 'REQUIRES_PAYMENT_METHOD',
  FAILED = 'FAILED',
}
registerEnumType(PaymentMethodSetupStatus, {
  name: 'PaymentMethodSetupStatus',
  valuesConfig: {
    SUCCEEDED: { description: 'The card is saved: `paymentMethod`.' },
    REQUIRES_ACTION: {
      description:
        'The card holder must authenticate (3-D Secure) at `actionUrl`; the card is saved once the provider ' +
        'says it passed.',
    },
    REQUIRES_PAYMENT_METHOD: {
      description: 'No card was given: collect one with Stripe.js and `clientSecret` (`confirmCardSetup`).',
    },
    FAILED: { description: 'Nothing was saved: `failureReason` says why.' },
  },
});

/** One attempt to save a card (Stripe: a SetupIntent). The same idempotency key returns the same attempt. */
@ObjectType()
@Entity({ tableName: 'payment_method_setups' })
@Unique({ properties: ['userId', 'idempotencyKey'] })
export class PaymentMethodSetup {
  [OptionalProps]?:
    | 'id'
    | 'createdAt'
    | 'updatedAt'
    | 'clientSecret'
    | 'actionUrl'
    | 'failureReason'
    | 'paymentMethodId'
    | 'providerSetupId'
    | 'requestFingerprint';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'text' })
  idempotencyKey!: string;

  /**
   * What the key's first request asked for (`requestFingerprint`): the same key with other parameters is a CONFLICT.
   */
  @Property({ type: 'text', nullable: true })
  requestFingerprint: string | null = null;

  @Property({ type: 'text', nullable: true, index: true })
  providerSetupId: string | null = null;

  @Field(() => PaymentMethodSetupStatus)
  @Enum({ items: () => PaymentMethodSetupStatus })
  status!: PaymentMethodSetupStatus;

  @Field(() => String, {
    nullable: true,
    description: 'For the user’s client to finish the setup with the provider (Stripe.js).',
  })
  @Property({ type: 'text', nullable: true })
  clientSecret: string | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  actionUrl: string | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  failureReason: string | null = null;

  /** The saved card, once the setup succeeded. */
  @Property({ type: 'uuid', nullable: true })
  paymentMethodId: string | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
