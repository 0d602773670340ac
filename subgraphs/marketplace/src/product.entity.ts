import { ArrayType, Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ProductKind {
  PHYSICAL = 'PHYSICAL',
  /** A drive file buyers may download once they have paid. */
  DIGITAL = 'DIGITAL',
  /**
   * A paid course of the learning subgraph, listed by publishing it there: buying it enrolls the
   * buyer. Learning owns its title, description, price and whether it is on sale.
   */
  COURSE = 'COURSE',
}
registerEnumType(ProductKind, { name: 'ProductKind' });

/** Only physical products have stock and are shipped; the others are the buyer's once paid. */
export const ships = (kind: ProductKind) => kind === ProductKind.PHYSICAL;

export enum ProductStatus {
  /** Only the seller sees it. */
  DRAFT = 'DRAFT',
  ACTIVE = 'ACTIVE',
  /** Active, with no stock left; it returns to ACTIVE when stock comes back. */
  SOLD_OUT = 'SOLD_OUT',
  /** Withdrawn for good; past orders still show it. */
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(ProductStatus, { name: 'ProductStatus' });

@Directive('@key(fields: "id")')
@ObjectType({ description: 'Something a seller offers. Prices are in `price`; `seller` comes from identity.' })
@Entity({ tableName: 'products' })
export class Product {
  [OptionalProps]?:
    | 'id'
    | 'description'
    | 'stock'
    | 'status'
    | 'digitalFileId'
    | 'imageIds'
    | 'categoryId'
    | 'courseId'
    | 'ratingCount'
    | 'ratingAverage'
    | 'createdAt'
    | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  sellerId!: string;

  @Field()
  @Property({ type: 'text' })
  title!: string;

  @Field()
  @Property({ type: 'text' })
  description: string = '';

  @Field(() => ProductKind)
  @Enum({ items: () => ProductKind })
  kind!: ProductKind;

  @Property({ type: 'integer' })
  priceAmount!: number;

  @Property({ type: 'text' })
  currency!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Units left; null for digital products and courses, which never run out.',
  })
  @Property({ type: 'integer', nullable: true })
  stock: number | null = null;

  @Field(() => ProductStatus)
  @Enum({ items: () => ProductStatus })
  status: ProductStatus = ProductStatus.DRAFT;

  @Property({ type: 'uuid', nullable: true })
  digitalFileId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  categoryId: string | null = null;

  /**
   * For a COURSE product: the learning course it sells. (Its `last_event_id`, the latest of learning's events it
   * follows, is the event handler's alone and not mapped.)
   */
  @Property({ type: 'uuid', nullable: true })
  courseId: string | null = null;

  /** Drive files, in order; buyers see those drive lets them read (public ones, as sellers should use). */
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  imageIds: string[] = [];

  /** Kept by reviews; `search` (a generated tsvector) is the database's alone and not mapped. */
  @Property({ type: 'integer' })
  ratingCount: number = 0;

  @Property({ type: 'float', nullable: true })
  ratingAverage: number | null = null;

  /** Set (not stored) when a search placed the product for this campaign. */
  sponsoredBy?: string;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field()
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

export const ProductConnection = connectionOf(Product);

/** A file as marketplace knows one: by id. The drive subgraph resolves it, for those who may read it. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('File')
export class FileReference {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class Rating {
  @Field(() => Float, { nullable: true, description: 'From 1 to 5; null until the first review.' })
  average!: number | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Where a product belongs. Filtering by a category includes its subcategories.' })
@Entity({ tableName: 'categories' })
export class Category {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid', nullable: true })
  parentId!: string | null;

  @Field()
  @Property({ type: 'text' })
  name!: string;
}

/** Buyers can see and buy these. */
export const ON_SALE: ProductStatus[] = [ProductStatus.ACTIVE, ProductStatus.SOLD_OUT];
