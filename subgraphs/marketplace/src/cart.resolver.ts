import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { CartItem } from './cart.entity.js';
import type { MarketplaceContext } from './context.js';
import { Money, money } from './money.js';
import { Product } from './product.entity.js';

@ObjectType()
export class CartLine {
  @Field(() => Product)
  product!: Product;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Money, { description: 'The price now; checkout tells you if it changes again.' })
  unitPrice!: Money;

  @Field(() => Money)
  subtotal!: Money;
}

@ObjectType()
export class Cart {
  @Field(() => [CartLine])
  lines!: CartLine[];

  @Field(() => [Money], { description: 'One total per currency.' })
  totals!: Money[];
}

@Resolver()
export class CartResolver {
  @Query(() => Cart, { nullable: true })
  cart(@Ctx() ctx: MarketplaceContext) {
    return this.view(ctx, ctx.services.cart.items(requireViewer(ctx.viewer)));
  }

  @Mutation(() => Cart, { nullable: true, description: 'Adds to the quantity already in the cart.' })
  addCartItem(
    @Arg('productId', () => ID) productId: string,
    @Arg('quantity', () => Int, { defaultValue: 1 }) quantity: number,
    @Ctx() ctx: MarketplaceContext,
  ) {
    const viewer = requireViewer(ctx.viewer);
    return this.view(ctx, ctx.services.cart.add(viewer, productId, quantity, ctx.loaders));
  }

  @Mutation(() => Cart, { nullable: true, deprecationReason: 'Use addCartItem.' })
  addToCart(
    @Arg('productId', () => ID) productId: string,
    @Arg('quantity', () => Int, { defaultValue: 1 }) quantity: number,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return this.addCartItem(productId, quantity, ctx);
  }

  @Mutation(() => Cart, { nullable: true, description: 'Sets the quantity; 0 removes the product.' })
  updateCartItem(
    @Arg('productId', () => ID) productId: string,
    @Arg('quantity', () => Int) quantity: number,
    @Ctx() ctx: MarketplaceContext,
  ) {
    const viewer = requireViewer(ctx.viewer);
    return this.view(ctx, ctx.services.cart.update(viewer, productId, quantity, ctx.loaders));
  }

  @Mutation(() => Cart, { nullable: true })
  removeCartItem(@Arg('productId', () => ID) productId: string, @Ctx() ctx: MarketplaceContext) {
    return this.view(ctx, ctx.services.cart.remove(requireViewer(ctx.viewer), productId));
  }

  @Mutation(() => Cart, { nullable: true, deprecationReason: 'Use removeCartItem.' })
  removeFromCart(@Arg('productId', () => ID) productId: string, @Ctx() ctx: MarketplaceContext) {
    return this.removeCartItem(productId, ctx);
  }

  /**
   * Lines at today's prices. A product archived since it was added still shows, so the buyer sees why it cannot be
   * bought.
   */
  private async view(ctx: MarketplaceContext, items: Promise<CartItem[]>): Promise<Cart> {
    const lines: CartLine[] = [];
    const held = await items;
    // Loaded together, so the loader reads every product in one statement.
    const products = await Promise.all(held.map((item) => ctx.loaders.product.load(item.productId)));
    for (const [i, item] of held.entries()) {
      const product = products[i];
      if (!product) continue;
      const unitPrice = money(product.priceAmount, product.currency);
      lines.push({
        product,
        quantity: item.quantity,
        unitPrice,
        subtotal: money(product.priceAmount * item.quantity, product.currency),
      });
    }
    const totals = new Map<string, number>();
    for (const line of lines)
      totals.set(line.subtotal.currency, (totals.get(line.subtotal.currency) ?? 0) + line.subtotal.amount);
    return { lines, totals: [...totals].map(([currency, amount]) => money(amount, currency)) };
  }
}
