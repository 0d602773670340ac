import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum CampaignStatus {
  /** Bought, waiting for its payment. */
  PENDING_PAYMENT = 'PENDING_PAYMENT',
  /** Paid: the product is placed in matching searches until `endsAt`. */
  ACTIVE = 'ACTIVE',
  /** Its days are over. */
  ENDED = 'ENDED',
  /** Its payment failed, or the order expired unpaid. */
  CANCELLED = 'CANCELLED',
}
registerEnumType(CampaignStatus, { name: 'CampaignStatus' });

/**
 * A seller paying to place one of their products in searches: `days` days at `dailyBudget` a day,
 * bought as an order from the platform and paid like any other.
 */
@ObjectType()
@Entity({ tableName: 'campaigns' })
export class Campaign {
  [OptionalProps]?: 'id' | 'status' | 'startsAt' | 'endsAt' | 'impressions' | 'clicks' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  productId!: string;

  @Property({ type: 'uuid' })
  sellerId!: string;

  /** The order that pays for it. */
  @Property({ type: 'uuid', unique: true })
  orderId!: string;

  @Property({ type: 'integer' })
  dailyBudget!: number;

  @Property({ type: 'text' })
  currency!: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  days!: number;

  @Enum({ items: () => CampaignStatus })
  status: CampaignStatus = CampaignStatus.PENDING_PAYMENT;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  startsAt: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  endsAt: Date | null = null;

  @Field(() => Int, { description: 'Times the product was placed in a page of results.' })
  @Property({ type: 'integer' })
  impressions: number = 0;

  @Field(() => Int, { description: 'Clicks reported with `recordAdClick`.' })
  @Property({ type: 'integer' })
  clicks: number = 0;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);
}

export const CampaignConnection = connectionOf(Campaign, 'Campaign', { totalCount: 'How many there are in all.' });
