import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { MarketplaceContext } from './context.js';
import { ProductReview, SellerReview } from './review.entity.js';
import { User, userRef } from './seller.js';

@Resolver(() => ProductReview)
export class ProductReviewResolver {
  @Mutation(() => ProductReview, {
    nullable: true,
    description: 'The buyer, once they have it (delivered, or paid for digital goods); once per order line.',
  })
  reviewProduct(
    @Arg('orderItemId', () => ID) orderItemId: string,
    @Arg('rating', () => Int) rating: number,
    @Arg('body', () => String, { nullable: true }) body: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.reviews.reviewProduct(requireViewer(ctx.viewer), orderItemId, rating, body);
  }

  @FieldResolver(() => User, { nullable: true })
  author(@Root() review: ProductReview) {
    return userRef(review.authorId);
  }
}

@Resolver(() => SellerReview)
export class SellerReviewResolver {
  @Mutation(() => SellerReview, {
    nullable: true,
    description: 'The buyer, once the order is delivered (or paid, when all digital); once per order.',
  })
  reviewSeller(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('rating', () => Int) rating: number,
    @Arg('body', () => String, { nullable: true }) body: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.reviews.reviewSeller(requireViewer(ctx.viewer), orderId, rating, body);
  }

  @FieldResolver(() => User, { nullable: true })
  author(@Root() review: SellerReview) {
    return userRef(review.authorId);
  }
}
