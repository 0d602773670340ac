import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { ConnectedAccount } from './payout-provider.js';

export enum PayoutAccountStatus {
  ONBOARDING = 'ONBOARDING',
  ENABLED = 'ENABLED',
  RESTRICTED = 'RESTRICTED',
}
registerEnumType(PayoutAccountStatus, {
  name: 'PayoutAccountStatus',
  valuesConfig: {
    ONBOARDING: { description: 'The seller has not finished the provider’s onboarding: open a new link to go on.' },
    ENABLED: { description: 'Payouts are sent to it as they fall due.' },
    RESTRICTED: { description: 'Onboarded, but the provider needs more before money can be sent: open a new link.' },
  },
});

/** Where we stand with an account as the provider describes it. */
export const statusOf = (account: ConnectedAccount): PayoutAccountStatus =>
  account.transfersEnabled
    ? PayoutAccountStatus.ENABLED
    : account.detailsSubmitted
      ? PayoutAccountStatus.RESTRICTED
      : PayoutAccountStatus.ONBOARDING;

/** A seller's one account at the payout provider (`sellerId` is unique), which their shares are sent to. */
@ObjectType()
@Entity({ tableName: 'payout_accounts' })
export class PayoutAccount {
  [OptionalProps]?: 'id' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid', unique: true })
  sellerId!: string;

  @Field({ description: 'Who holds the account, e.g. "sandbox" or "stripe".' })
  @Property()
  provider!: string;

  @Property({ type: 'text', unique: true })
  providerAccountId!: string;

  @Field(() => PayoutAccountStatus)
  @Enum({ items: () => PayoutAccountStatus })
  status!: PayoutAccountStatus;

  @Field({ description: 'The provider pays the account out to the seller’s bank.' })
  @Property()
  payoutsEnabled!: boolean;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Field()
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

@ObjectType({
  description:
    'A link to the provider’s onboarding pages, for the seller alone. It expires: ask for another with ' +
    '`connectPayoutAccount`.',
})
export class PayoutOnboarding {
  @Field()
  url!: string;

  @Field()
  expiresAt!: Date;

  @Field(() => PayoutAccount)
  account!: PayoutAccount;
}
