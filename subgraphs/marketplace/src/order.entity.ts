import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OrderStatus } from './order-states.js';

registerEnumType(OrderStatus, { name: 'OrderStatus' });

@ObjectType()
@InputType('ShippingAddressInput')
export class ShippingAddress {
  @Field()
  name!: string;

  @Field()
  line1!: string;

  @Field(() => String, { nullable: true })
  line2?: string | null;

  @Field()
  city!: string;

  @Field()
  postalCode!: string;

  @Field({ description: 'ISO 3166-1 alpha-2, e.g. "DE".' })
  country!: string;
}

/** What one checkout bought from one seller. Buyer and seller see it; nobody else does. */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'orders' })
export class Order {
  [OptionalProps]?:
    | 'id'
    | 'status'
    | 'shippingAddress'
    | 'trackingNumber'
    | 'refundedAmount'
    | 'createdAt'
    | 'updatedAt'
    | 'requestFingerprint';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  buyerId!: string;

  @Property({ type: 'uuid' })
  sellerId!: string;

  @Field(() => OrderStatus)
  @Enum({ items: () => OrderStatus })
  status: OrderStatus = OrderStatus.PENDING_PAYMENT;

  @Property({ type: 'integer' })
  totalAmount!: number;

  @Property({ type: 'text' })
  currency!: string;

  /** The buyer's idempotency key: the same checkout retried finds these orders. */
  @Property({ type: 'text' })
  checkoutKey!: string;

  /**
   * What the key's first request asked for (`requestFingerprint`): the same checkout key with other parameters is a
   * CONFLICT.
   */
  @Property({ type: 'text', nullable: true })
  requestFingerprint: string | null = null;

  @Property({ type: 'text' })
  paymentMethodId!: string;

  @Field(() => ShippingAddress, { nullable: true, description: 'Null when everything in it is digital.' })
  @Property({ type: 'json', nullable: true })
  shippingAddress: ShippingAddress | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  trackingNumber: string | null = null;

  /** Given back so far, in minor units, as payments reported it. */
  @Property({ type: 'integer' })
  refundedAmount: number = 0;

  @Field({ description: 'An unpaid order is cancelled at this time and its stock released.' })
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Field()
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

@ObjectType({ description: 'A line of an order, as it was bought: title and price do not follow later edits.' })
@Entity({ tableName: 'order_items' })
export class OrderItem {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  orderId!: string;

  @Property({ type: 'uuid' })
  productId!: string;

  @Field()
  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'integer' })
  unitAmount!: number;

  @Field(() => Int)
  @Property({ type: 'integer' })
  quantity!: number;

  /** For a digital product: the file it delivered when bought; drive lets the buyer read it once paid. */
  @Property({ type: 'uuid', nullable: true })
  digitalFileId: string | null = null;

  /** For a course: the learning course it sold; learning enrolls the buyer once paid. */
  @Property({ type: 'uuid', nullable: true })
  courseId: string | null = null;

  /** The product's category when it was bought, for figures by category. */
  @Property({ type: 'uuid', nullable: true })
  categoryId: string | null = null;
}

export const OrderConnection = connectionOf(Order, 'Order', {
  totalCount: 'How many there are in all, of the status asked for.',
});
