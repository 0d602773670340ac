import { requireViewer } from '@peerlink/platform/auth/viewer';
import { UserReference as User, userRef } from '@peerlink/platform/graphql/user-reference';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { MarketplaceContext } from './context.js';
import { Money, money } from './money.js';
import { Product, ProductConnection, ProductKind } from './product.entity.js';

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
}

@InputType()
export class ProductFilter {
  @Field(() => ID, { nullable: true, description: 'One seller’s products; your own include drafts and archived ones.' })
  sellerId?: string | null;
}

@Resolver(() => Product)
export class ProductResolver {
  @Query(() => Product, { description: 'A product on sale, or one of your own.' })
  product(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.visible(id, ctx.loaders);
  }

  @Query(() => ProductConnection, { description: 'Products on sale, newest first.' })
  products(
    @Arg('filter', () => ProductFilter, { nullable: true }) filter: ProductFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.products.list(ctx.viewer, filter ?? {}, first, after);
  }

  @Mutation(() => Product, { description: 'Sellers only (becomeSeller). Starts as a DRAFT.' })
  createProduct(@Arg('input') input: CreateProductInput, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.create(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => Product, { description: 'Its seller only.' })
  updateProduct(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateProductInput, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.update(requireViewer(ctx.viewer), id, input, ctx.loaders);
  }

  @Mutation(() => Product, { description: 'Puts a draft on sale.' })
  publishProduct(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.publish(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Product, { description: 'Takes a product off sale for good; orders keep showing it.' })
  archiveProduct(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.products.archive(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @FieldResolver(() => User)
  seller(@Root() product: Product) {
    return userRef(product.sellerId);
  }

  @FieldResolver(() => Money)
  price(@Root() product: Product) {
    return money(product.priceAmount, product.currency);
  }

  @FieldResolver(() => Boolean, { description: 'Placed by an advertising campaign.' })
  sponsored() {
    return false;
  }
}
