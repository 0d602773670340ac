import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { MarketplaceContext } from './context.js';
import type { MarketplaceLoaders } from './loaders.js';
import { Money, money } from './money.js';
import { Order, OrderItem } from './order.entity.js';
import { FileReference } from './product.entity.js';
import type { ReturnLoaders } from './return-loaders.js';
import { ReturnRequest, ReturnRequestConnection, ReturnRequestItem } from './return-request.entity.js';
import { ReturnDecision, ReturnReason, ReturnStatus } from './return-states.js';
import { User, userRef } from './seller.js';

@InputType()
export class ReturnItemInput {
  @Field(() => ID)
  orderItemId!: string;

  @Field(() => Int)
  quantity!: number;
}

@InputType()
export class RequestReturnInput {
  @Field(() => ID)
  orderId!: string;

  @Field(() => [ReturnItemInput], {
    description: 'The lines to return and how many of each: 1 to 50 lines of this order.',
  })
  items!: ReturnItemInput[];

  @Field(() => ReturnReason)
  reason!: ReturnReason;

  @Field(() => String, { nullable: true, description: 'Up to 1000 characters; required when the reason is OTHER.' })
  details?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'Up to 5 drive files of your own (uploaded as usual); the seller and admins may then see them.',
  })
  photoIds?: string[] | null;
}

const perRequest = new WeakMap<MarketplaceLoaders, ReturnLoaders>();
function returnLoaders(ctx: MarketplaceContext): ReturnLoaders {
  let found = perRequest.get(ctx.loaders);
  if (!found) {
    found = ctx.services.returns.createLoaders();
    perRequest.set(ctx.loaders, found);
  }
  return found;
}

@Resolver(() => ReturnRequest)
export class ReturnRequestResolver {
  @Query(() => ReturnRequest, {
    nullable: true,
    description: 'A return request, for its buyer, its seller and admins.',
  })
  returnRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    requireViewer(ctx.viewer);
    return ctx.services.returns.readable(id, ctx.loaders);
  }

  @Query(() => ReturnRequestConnection, { nullable: true, description: 'Returns you asked for, newest first.' })
  myReturnRequests(
    @Arg('status', () => ReturnStatus, { nullable: true }) status: ReturnStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.returns.list(requireViewer(ctx.viewer), 'buyer', status, first, after);
  }

  @Query(() => ReturnRequestConnection, { nullable: true, description: 'Returns your buyers asked for, newest first.' })
  receivedReturnRequests(
    @Arg('status', () => ReturnStatus, { nullable: true }) status: ReturnStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.returns.list(requireViewer(ctx.viewer), 'seller', status, first, after);
  }

  @Query(() => ReturnRequestConnection, {
    nullable: true,
    description: 'Admins: escalated returns awaiting a decision, longest waiting first.',
  })
  escalatedReturnRequests(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.returns.escalated(requireViewer(ctx.viewer), first, after);
  }

  @Mutation(() => ReturnRequest, {
    nullable: true,
    description:
      'The buyer asks for money back for lines of a paid, shipped or delivered order. One open request per line.',
  })
  requestReturn(@Arg('input') input: RequestReturnInput, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.returns.request(requireViewer(ctx.viewer), input, ctx.loaders);
  }

  @Mutation(() => ReturnRequest, {
    nullable: true,
    description:
      'The seller accepts: the lines’ cost is refunded through the payment (REFUNDED once done). Repeating ' +
      'it changes nothing.',
  })
  acceptReturnRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.returns.accept(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => ReturnRequest, {
    nullable: true,
    description: 'The seller declines, saying why (1 to 500 characters).',
  })
  declineReturnRequest(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.returns.decline(requireViewer(ctx.viewer), id, reason, ctx.loaders);
  }

  @Mutation(() => ReturnRequest, {
    nullable: true,
    description:
      'The buyer asks admins to decide: after a decline, a failed refund, or once the seller’s time to ' +
      'answer (`answerBy`) has passed.',
  })
  escalateReturnRequest(
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.returns.escalate(requireViewer(ctx.viewer), id, note, ctx.loaders);
  }

  @Mutation(() => ReturnRequest, {
    nullable: true,
    description: 'Admins: refund an escalated request, or uphold its decline. The same decision again changes nothing.',
  })
  resolveReturnRequest(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => ReturnDecision) decision: ReturnDecision,
    @Arg('note') note: string,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.returns.resolve(requireViewer(ctx.viewer), id, decision, note, ctx.loaders);
  }

  @FieldResolver(() => Order)
  order(@Root() request: ReturnRequest, @Ctx() ctx: MarketplaceContext) {
    return ctx.loaders.order.load(request.orderId);
  }

  @FieldResolver(() => User, { nullable: true })
  buyer(@Root() request: ReturnRequest) {
    return userRef(request.buyerId);
  }

  @FieldResolver(() => User, { nullable: true })
  seller(@Root() request: ReturnRequest) {
    return userRef(request.sellerId);
  }

  @FieldResolver(() => [ReturnRequestItem])
  items(@Root() request: ReturnRequest, @Ctx() ctx: MarketplaceContext) {
    return returnLoaders(ctx).items.load(request.id);
  }

  @FieldResolver(() => Money, { description: 'What the lines cost.' })
  amount(@Root() request: ReturnRequest) {
    return money(request.itemsAmount, request.currency);
  }

  @FieldResolver(() => Money, {
    nullable: true,
    description: 'Asked of payments once accepted: the lines’ cost, or less if less was left of the payment.',
  })
  refundAmount(@Root() request: ReturnRequest) {
    return request.refundAmount === null ? null : money(request.refundAmount, request.currency);
  }

  @FieldResolver(() => [FileReference], {
    nullable: 'items',
    description:
      'The photos drive accepted (files of the buyer’s own), resolved by drive; an entry is null where you ' +
      'may not see the file (its owner trashed or deleted it).',
  })
  photos(@Root() request: ReturnRequest): FileReference[] {
    return request.acceptedPhotoIds.map((id) => ({ id }));
  }

  @FieldResolver(() => [ID], {
    description: 'To the buyer: photos drive refused (not theirs, or not found). Empty for others.',
  })
  refusedPhotoIds(@Root() request: ReturnRequest, @Ctx() ctx: MarketplaceContext): string[] {
    return ctx.viewer?.userId === request.buyerId ? request.refusedPhotoIds : [];
  }

  @FieldResolver(() => Date, { description: 'The seller answers by then; after it the buyer may escalate.' })
  answerBy(@Root() request: ReturnRequest, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.returns.answerBy(request);
  }
}

@Resolver(() => ReturnRequestItem)
export class ReturnRequestItemResolver {
  @FieldResolver(() => OrderItem)
  async orderItem(@Root() item: ReturnRequestItem, @Ctx() ctx: MarketplaceContext) {
    return returnLoaders(ctx).orderItem.load(item.orderItemId);
  }

  @FieldResolver(() => Money, { description: 'The line’s unit price times the quantity returned.' })
  async amount(@Root() item: ReturnRequestItem, @Ctx() ctx: MarketplaceContext) {
    const line = (await returnLoaders(ctx).orderItem.load(item.orderItemId))!;
    const order = (await ctx.loaders.order.load(line.orderId))!;
    return money(line.unitAmount * item.quantity, order.currency);
  }
}

@Resolver(() => Order)
export class OrderReturnsResolver {
  @FieldResolver(() => [ReturnRequest], { description: 'Return requests made for this order, oldest first.' })
  returnRequests(@Root() order: Order, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.returns.ofOrder(order);
  }
}
