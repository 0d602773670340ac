import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** One product in a buyer's cart, with the price the buyer last saw, so checkout can say what changed. */
@Entity({ tableName: 'cart_items' })
export class CartItem {
  [OptionalProps]?: 'addedAt';

  @PrimaryKey({ type: 'uuid' })
  buyerId!: string;

  @PrimaryKey({ type: 'uuid' })
  productId!: string;

  @Property({ type: 'integer' })
  quantity!: number;

  @Property({ type: 'integer' })
  seenPriceAmount!: number;

  @Property({ type: 'text' })
  seenCurrency!: string;

  @Property({ type: 'timestamptz' })
  addedAt: Date = new Date();
}
