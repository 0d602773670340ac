import { requireViewer } from '@peerlink/platform/auth/viewer';
import { CURRENT_ARGUMENT, CURRENT_ARGUMENT_DESCRIPTION, liveDirective } from '@peerlink/platform/graphql/live';
import { User, userRef } from './seller.js';
import {
  Arg,
  Ctx,
  Directive,
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
  Subscription,
} from 'type-graphql';
import type { MarketplaceContext } from './context.js';
import { Money, money } from './money.js';
import { Order, OrderConnection, OrderItem, ShippingAddress } from './order.entity.js';
import { OrderStatus } from './order-states.js';
import { FileReference, Product } from './product.entity.js';

export enum CartChangeKind {
  /** No longer on sale, sold out, or your own: removed from the cart. */
  UNAVAILABLE = 'UNAVAILABLE',
  PRICE_CHANGED = 'PRICE_CHANGED',
  /** Fewer left than you wanted: the cart now holds what is left. */
  QUANTITY_REDUCED = 'QUANTITY_REDUCED',
}
registerEnumType(CartChangeKind, { name: 'CartChangeKind' });

@ObjectType({
  description: 'Something checkout found different from what you saw; your cart has been updated to match.',
})
export class CartChange {
  @Field(() => ID)
  productId!: string;

  @Field()
  title!: string;

  @Field(() => CartChangeKind)
  kind!: CartChangeKind;

  @Field(() => Money, { nullable: true })
  previousPrice!: Money | null;

  @Field(() => Money, { nullable: true })
  price!: Money | null;

  @Field(() => Int, { description: 'The quantity now in your cart.' })
  quantity!: number;
}

@ObjectType()
export class CheckoutResult {
  @Field(() => [Order], {
    description: 'One per seller, awaiting payment. Empty when `changes` are to be reviewed first.',
  })
  orders!: Order[];

  @Field(() => [CartChange], {
    description: 'When not empty, nothing was ordered: check the cart and check out again.',
  })
  changes!: CartChange[];
}

@InputType()
export class CheckoutInput {
  @Field({ description: 'Unique per checkout attempt; retrying with the same key returns the same orders.' })
  idempotencyKey!: string;

  @Field(() => ShippingAddress, { nullable: true, description: 'Required when the cart holds physical products.' })
  shippingAddress?: ShippingAddress | null;

  @Field({ description: 'A saved payment method, or a test one such as "pm_card_visa".' })
  paymentMethodId!: string;
}

@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, { nullable: true, description: 'An order you bought or sold.' })
  order(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    requireViewer(ctx.viewer);
    return ctx.services.orders.readable(id, ctx.loaders);
  }

  @Query(() => OrderConnection, { nullable: true, description: 'What you bought, newest first.' })
  myOrders(
    @Arg('status', () => OrderStatus, { nullable: true }) status: OrderStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.orders.list(requireViewer(ctx.viewer), 'buyer', status, first, after);
  }

  @Query(() => OrderConnection, { nullable: true, description: 'What you sold, newest first.' })
  sales(
    @Arg('status', () => OrderStatus, { nullable: true }) status: OrderStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.orders.list(requireViewer(ctx.viewer), 'seller', status, first, after);
  }

  @Mutation(() => CheckoutResult, {
    nullable: true,
    description: 'Orders your cart, one order per seller, and starts payment.',
  })
  checkoutCart(@Arg('input') input: CheckoutInput, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.orders.checkout(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => CheckoutResult, { nullable: true, deprecationReason: 'Use checkoutCart.' })
  checkout(@Arg('input') input: CheckoutInput, @Ctx() ctx: MarketplaceContext) {
    return this.checkoutCart(input, ctx);
  }

  @Mutation(() => Order, {
    nullable: true,
    description: 'An unpaid order, by its buyer or seller. Stock goes back on sale.',
  })
  cancelOrder(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.orders.cancel(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Order, { nullable: true, description: 'The seller, once the order is paid.' })
  markOrderShipped(
    @Arg('id', () => ID) id: string,
    @Arg('trackingNumber') trackingNumber: string,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.orders.markShipped(requireViewer(ctx.viewer), id, trackingNumber, ctx.loaders);
  }

  @Mutation(() => Order, { nullable: true, description: 'The seller, once the order is shipped.' })
  markOrderDelivered(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.orders.markDelivered(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Directive(
    liveDirective({
      subject: 'marketplace.order.updated',
      lookup: 'order',
      audience: 'recipientIds',
      current: ['order(id: $orderId)'],
    }),
  )
  @Subscription(() => Order, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description:
      'Your orders as they move, bought or sold: all of them (placed at checkout, then paid...), or one by `orderId`.',
  })
  orderUpdated(
    @Arg('orderId', () => ID, { nullable: true }) _orderId: string | null,
    @Arg(CURRENT_ARGUMENT, () => Boolean, {
      nullable: true,
      defaultValue: false,
      description: CURRENT_ARGUMENT_DESCRIPTION,
    })
    _current: boolean,
    @Root() order: Order,
  ) {
    return order;
  }

  @FieldResolver(() => User, { nullable: true })
  buyer(@Root() order: Order) {
    return userRef(order.buyerId);
  }

  @FieldResolver(() => User, { nullable: true })
  seller(@Root() order: Order) {
    return userRef(order.sellerId);
  }

  @FieldResolver(() => Money)
  total(@Root() order: Order) {
    return money(order.totalAmount, order.currency);
  }

  @FieldResolver(() => Money, { description: 'Given back to the buyer so far.' })
  refunded(@Root() order: Order) {
    return money(order.refundedAmount, order.currency);
  }

  @FieldResolver(() => [OrderItem])
  items(@Root() order: Order, @Ctx() ctx: MarketplaceContext) {
    return ctx.loaders.items.load(order.id);
  }
}

@Resolver(() => OrderItem)
export class OrderItemResolver {
  @FieldResolver(() => Product, {
    nullable: true,
    description: 'The product as it is now; the line keeps what was bought.',
  })
  product(@Root() item: OrderItem, @Ctx() ctx: MarketplaceContext) {
    return ctx.loaders.product.load(item.productId);
  }

  @FieldResolver(() => Money)
  unitPrice(@Root() item: OrderItem, @Ctx() ctx: MarketplaceContext) {
    return this.priced(item, ctx, item.unitAmount);
  }

  @FieldResolver(() => Money)
  subtotal(@Root() item: OrderItem, @Ctx() ctx: MarketplaceContext) {
    return this.priced(item, ctx, item.unitAmount * item.quantity);
  }

  @FieldResolver(() => FileReference, {
    nullable: true,
    description: 'A digital product’s file, for the buyer once paid; download it through drive.',
  })
  async download(@Root() item: OrderItem, @Ctx() ctx: MarketplaceContext): Promise<FileReference | null> {
    const order = await ctx.loaders.order.load(item.orderId);
    const paid = [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED].includes(order!.status);
    return item.digitalFileId && paid && order!.buyerId === ctx.viewer?.userId ? { id: item.digitalFileId } : null;
  }

  private async priced(item: OrderItem, ctx: MarketplaceContext, amount: number) {
    const order = await ctx.loaders.order.load(item.orderId);
    return money(amount, order!.currency);
  }
}
