import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, Int, ObjectType } from 'type-graphql';

/** A buyer's word on a product they bought: one per order line. */
@ObjectType()
@Entity({ tableName: 'product_reviews' })
export class ProductReview {
  [OptionalProps]?: 'id' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  productId!: string;

  @Property({ type: 'uuid', unique: true })
  orderItemId!: string;

  @Property({ type: 'uuid' })
  authorId!: string;

  @Field(() => Int, { description: '1 to 5.' })
  @Property({ type: 'integer' })
  rating!: number;

  @Field()
  @Property({ type: 'text' })
  body!: string;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);
}

export const ProductReviewConnection = connectionOf(ProductReview, 'ProductReview', {
  totalCount: 'How many there are in all.',
});

/** A buyer's word on a seller, for one order. */
@ObjectType()
@Entity({ tableName: 'seller_reviews' })
export class SellerReview {
  [OptionalProps]?: 'id' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  sellerId!: string;

  @Property({ type: 'uuid', unique: true })
  orderId!: string;

  @Property({ type: 'uuid' })
  authorId!: string;

  @Field(() => Int, { description: '1 to 5.' })
  @Property({ type: 'integer' })
  rating!: number;

  @Field()
  @Property({ type: 'text' })
  body!: string;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);
}
