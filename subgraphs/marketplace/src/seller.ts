import { Arg, Ctx, Directive, Field, FieldResolver, ID, Int, ObjectType, Resolver, Root } from 'type-graphql';
import type { MarketplaceContext } from './context.js';
import { ProductConnection, ProductKind, Rating } from './product.entity.js';
import { ProductSort } from './product-search.js';

/**
 * A user as marketplace sees one: identity owns the profile; marketplace adds what they sell and
 * how buyers rate them, for any user id the gateway hands it.
 */
@Directive('@key(fields: "id")')
@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;
}

export const userRef = (id: string): User => ({ id });

@Resolver(() => User)
export class SellerResolver {
  @FieldResolver(() => ProductConnection, {
    nullable: true,
    description: 'What they have on sale, newest first; your own list includes drafts.',
  })
  products(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('kind', () => ProductKind, { nullable: true }) kind: ProductKind | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.products.search(ctx.viewer, { sellerId: user.id, kind }, ProductSort.NEWEST, first, after);
  }

  @FieldResolver(() => Rating, { nullable: true, description: 'From buyers’ reviews of their orders.' })
  sellerRating(@Root() user: User, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.reviews.sellerRating(user.id);
  }
}
