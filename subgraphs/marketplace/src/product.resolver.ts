import { requireViewer } from '@peerlink/platform/auth/viewer';
import { User, userRef } from './seller.js';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
} from 'type-graphql';
import type { MarketplaceContext } from './context.js';
import { Money, money } from './money.js';
import { Category, FileReference, Product, ProductConnection, ProductKind, Rating } from './product.entity.js';
import { ProductSort } from './product-search.js';
import { ProductReviewConnection } from './review.entity.js';

registerEnumType(ProductSort, { name: 'ProductSort' });

@InputType()
export class CreateProductInput {
  @Field()
  title!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => ProductKind)
  kind!: ProductKind;

  @Field(() => Int, { description: 'In the minor unit: 1999 is 19.99.' })
  priceAmount!: number;

  @Field({ description: 'ISO 4217, e.g. "usd".' })
  currency!: string;

  @Field(() => Int, { nullable: true, description: 'Physical products only: units you can ship.' })
  stock?: number | null;

  @Field(() => ID, { nullable: true, description: 'Digital products only: the drive file buyers get.' })
  digitalFileId?: string | null;

  @Field(() => ID, { nullable: true, description: 'One of `categories`.' })
  categoryId?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'Up to 10 drive files, first shown first; make them PUBLIC so buyers see them.',
  })
  imageIds?: string[] | null;
}

@InputType({ description: 'Only the fields you set change.' })
export class UpdateProductInput {
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Int, { nullable: true })
  priceAmount?: number | null;

  @Field(() => String, { nullable: true })
  currency?: string | null;

  @Field(() => Int, { nullable: true })
  stock?: number | null;

  @Field(() => ID, { nullable: true })
  digitalFileId?: string | null;

  @Field(() => ID, { nullable: true })
  categoryId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the images.' })
  imageIds?: string[] | null;
}

@InputType()
export class ProductFilter {
  @Field(() => String, {
    nullable: true,
    description: 'Words to find in titles (first) and descriptions; "quotes" for phrases, -word to exclude.',
  })
  search?: string | null;

  @Field(() => ID, { nullable: true, description: 'This category and its subcategories.' })
  categoryId?: string | null;

  @Field(() => Int, { nullable: true, description: 'In minor units, in each product’s own currency.' })
  minPrice?: number | null;

  @Field(() => Int, { nullable: true })
  maxPrice?: number | null;

  @Field(() => ID, { nullable: true, description: 'One seller’s products; your own include drafts and archived ones.' })
  sellerId?: string | null;

  @Field(() => ProductKind, { nullable: true })
  kind?: ProductKind | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Only what can be bought now: digital goods and courses, or physical with stock.',
  })
  inStock?: boolean | null;
}

@ObjectType({ description: 'A category and the ones below it.' })
export class CategoryNode {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => [CategoryNode])
  children!: CategoryNode[];
}

@Resolver(() => Product)
export class ProductResolver {
  @Query(() => Product, { nullable: true, description: 'A product on sale, or one of your own.' })
  product(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.visible(id, ctx.loaders);
  }

  @Query(() => ProductConnection, {
    nullable: true,
    description: 'Products on sale that match `filter`, best match first unless `sort` says otherwise.',
  })
  products(
    @Arg('filter', () => ProductFilter, { nullable: true }) filter: ProductFilter | null,
    @Arg('sort', () => ProductSort, { defaultValue: ProductSort.RELEVANCE }) sort: ProductSort,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.products.search(ctx.viewer, filter ?? {}, sort, first, after);
  }

  @Query(() => [CategoryNode], { nullable: true, description: 'The category tree, from the top.' })
  async categories(@Ctx() ctx: MarketplaceContext): Promise<CategoryNode[]> {
    const all = await ctx.services.products.categories();
    const nodes = new Map(all.map((c) => [c.id, { id: c.id, name: c.name, children: [] as CategoryNode[] }]));
    for (const c of all) if (c.parentId) nodes.get(c.parentId)?.children.push(nodes.get(c.id)!);
    return all.filter((c) => !c.parentId).map((c) => nodes.get(c.id)!);
  }

  @Mutation(() => Product, { nullable: true, description: 'Sellers only (becomeSeller). Starts as a DRAFT.' })
  createProduct(@Arg('input') input: CreateProductInput, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.create(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => Product, { nullable: true, description: 'Its seller only.' })
  updateProduct(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateProductInput,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.products.update(requireViewer(ctx.viewer), id, input, ctx.loaders);
  }

  @Mutation(() => Product, { nullable: true, description: 'Puts a draft on sale.' })
  publishProduct(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.publish(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Product, {
    nullable: true,
    description: 'Takes a product off sale for good; orders keep showing it.',
  })
  archiveProduct(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.archive(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @FieldResolver(() => User, { nullable: true })
  seller(@Root() product: Product) {
    return userRef(product.sellerId);
  }

  @FieldResolver(() => Money)
  price(@Root() product: Product) {
    return money(product.priceAmount, product.currency);
  }

  @FieldResolver(() => Category, { nullable: true })
  category(@Root() product: Product, @Ctx() ctx: MarketplaceContext) {
    return product.categoryId ? ctx.loaders.category.load(product.categoryId) : null;
  }

  @FieldResolver(() => [FileReference], {
    nullable: 'items',
    description: 'Resolved by drive; an entry is null where you may not see the file.',
  })
  images(@Root() product: Product): FileReference[] {
    return product.imageIds.map((id) => ({ id }));
  }

  @FieldResolver(() => FileReference, {
    nullable: true,
    description: 'The file a digital product delivers: shown to its seller. Buyers get theirs on the order line.',
  })
  digitalFile(@Root() product: Product, @Ctx() ctx: MarketplaceContext): FileReference | null {
    return product.digitalFileId && product.sellerId === ctx.viewer?.userId ? { id: product.digitalFileId } : null;
  }

  @FieldResolver(() => Rating)
  rating(@Root() product: Product): Rating {
    return { average: product.ratingAverage, count: product.ratingCount };
  }

  @FieldResolver(() => ProductReviewConnection, { description: 'Newest first.' })
  reviews(
    @Root() product: Product,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.reviews.ofProduct(product.id, first, after);
  }

  @FieldResolver(() => Boolean, { description: 'Placed in these results by an advertising campaign.' })
  sponsored(@Root() product: Product) {
    return !!product.sponsoredBy;
  }

  @FieldResolver(() => ID, {
    nullable: true,
    description: 'When sponsored: the campaign to credit with a click (`recordAdClick`).',
  })
  adCampaignId(@Root() product: Product) {
    return product.sponsoredBy ?? null;
  }
}
