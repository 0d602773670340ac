import { ArrayType, Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ReturnDecision, ReturnReason, ReturnStatus } from './return-states.js';

registerEnumType(ReturnStatus, { name: 'ReturnStatus' });
registerEnumType(ReturnReason, { name: 'ReturnReason' });
registerEnumType(ReturnDecision, { name: 'ReturnDecision' });

/** A buyer asking for money back for some lines of an order. Its buyer, its seller and admins see it; nobody else. */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'return_requests' })
export class ReturnRequest {
  [OptionalProps]?:
    | 'id'
    | 'status'
    | 'details'
    | 'refundAmount'
    | 'refundId'
    | 'photoIds'
    | 'acceptedPhotoIds'
    | 'refusedPhotoIds'
    | 'photosChecked'
    | 'declineReason'
    | 'escalationNote'
    | 'resolutionNote'
    | 'refundFailure'
    | 'answeredAt'
    | 'escalatedAt'
    | 'resolvedAt'
    | 'createdAt'
    | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  orderId!: string;

  @Property({ type: 'uuid' })
  buyerId!: string;

  @Property({ type: 'uuid' })
  sellerId!: string;

  @Field(() => ReturnStatus)
  @Enum({ items: () => ReturnStatus })
  status: ReturnStatus = ReturnStatus.REQUESTED;

  @Field(() => ReturnReason)
  @Enum({ items: () => ReturnReason })
  reason!: ReturnReason;

  @Field({ description: 'The buyer’s own words; required when the reason is OTHER.' })
  @Property({ type: 'text' })
  details: string = '';

  /** What the requested lines cost, in minor units. */
  @Property({ type: 'integer' })
  itemsAmount!: number;

  /** Asked of payments on acceptance: the lines' cost, or less when less is left of what was paid. */
  @Property({ type: 'integer', nullable: true })
  refundAmount: number | null = null;

  @Property({ type: 'text' })
  currency!: string;

  /** Payments' refund, once made. */
  @Property({ type: 'uuid', nullable: true })
  refundId: string | null = null;

  /** The drive files the buyer named; drive answers which of them the seller may now see. */
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  photoIds: string[] = [];

  @Property({ type: ArrayType, columnType: 'uuid[]' })
  acceptedPhotoIds: string[] = [];

  @Property({ type: ArrayType, columnType: 'uuid[]' })
  refusedPhotoIds: string[] = [];

  @Field({ description: 'Whether drive has answered for the photos (at once when there are none).' })
  @Property()
  photosChecked: boolean = false;

  @Field(() => String, { nullable: true, description: 'The seller’s reason for declining.' })
  @Property({ type: 'text', nullable: true })
  declineReason: string | null = null;

  @Field(() => String, { nullable: true, description: 'What the buyer told the admins.' })
  @Property({ type: 'text', nullable: true })
  escalationNote: string | null = null;

  @Field(() => String, { nullable: true, description: 'The admin’s word on an escalated request.' })
  @Property({ type: 'text', nullable: true })
  resolutionNote: string | null = null;

  @Field(() => String, { nullable: true, description: 'Why payments could not refund (REFUND_FAILED).' })
  @Property({ type: 'text', nullable: true })
  refundFailure: string | null = null;

  @Field(() => Date, { nullable: true, description: 'When the seller accepted or declined.' })
  @Property({ type: 'timestamptz', nullable: true })
  answeredAt: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  escalatedAt: Date | null = null;

  @Field(() => Date, { nullable: true, description: 'When an admin decided.' })
  @Property({ type: 'timestamptz', nullable: true })
  resolvedAt: Date | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Field()
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

/**
 * One order line in a request, and how many of it. `open` mirrors the request's state, so the database keeps one open
 * request per line.
 */
@ObjectType('ReturnRequestItem')
@Entity({ tableName: 'return_request_items' })
export class ReturnRequestItem {
  [OptionalProps]?: 'id' | 'open';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  requestId!: string;

  @Property({ type: 'uuid' })
  orderItemId!: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  quantity!: number;

  @Property()
  open: boolean = true;
}

export const ReturnRequestConnection = connectionOf(ReturnRequest);
