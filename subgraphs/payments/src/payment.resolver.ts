import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Refund } from './refund.entity.js';
import { isPayer } from './access.js';
import type { PaymentsContext } from './context.js';
import { OrderReference as Order, orderRef } from './order-reference.js';
import { Payment } from './payment.entity.js';

@InputType()
export class RefundPaymentInput {
  @Field(() => ID)
  paymentId!: string;

  @Field(() => Int, { nullable: true, description: 'Minor units; everything left when omitted.' })
  amount?: number | null;

  @Field()
  reason!: string;

  @Field(() => String, { nullable: true, description: 'Retrying with the same key refunds once.' })
  idempotencyKey?: string | null;
}

@Resolver(() => Payment)
export class PaymentResolver {
  @Mutation(() => Payment, { description: 'The seller of the order, or an admin, gives back part or all of a payment.' })
  refundPayment(@Arg('input') input: RefundPaymentInput, @Ctx() ctx: PaymentsContext) {
    return ctx.services.payments.refund(requireViewer(ctx.viewer), input, ctx.loaders);
  }

  @FieldResolver(() => [Refund])
  refunds(@Root() payment: Payment, @Ctx() ctx: PaymentsContext) {
    return ctx.loaders.refunds.load(payment.id);
  }

  @Query(() => Payment, { description: 'The payment of an order, for its buyer, its seller and admins. NOT_FOUND until the order has been charged.' })
  paymentStatus(@Arg('orderId', () => ID) orderId: string, @Ctx() ctx: PaymentsContext) {
    requireViewer(ctx.viewer);
    return ctx.services.payments.ofOrder(orderId, ctx.loaders);
  }

  @Query(() => Payment, { description: 'A payment, for the buyer and seller of its order and admins.' })
  payment(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext) {
    requireViewer(ctx.viewer);
    return ctx.services.payments.visible(id, ctx.loaders);
  }

  @FieldResolver(() => Order)
  order(@Root() payment: Payment) {
    return orderRef(payment.orderId);
  }

  @FieldResolver(() => String, { nullable: true, description: 'For the buyer’s client to complete the payment with the provider; null for everyone else.' })
  clientSecret(@Root() payment: Payment, @Ctx() ctx: PaymentsContext) {
    return isPayer(payment, ctx.viewer?.userId ?? null) ? payment.clientSecret : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Where the buyer authenticates the payment (REQUIRES_ACTION); null for everyone else.' })
  actionUrl(@Root() payment: Payment, @Ctx() ctx: PaymentsContext) {
    return isPayer(payment, ctx.viewer?.userId ?? null) ? payment.actionUrl : null;
  }
}
