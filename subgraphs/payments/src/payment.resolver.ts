import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { isPayer } from './access.js';
import type { PaymentsContext } from './context.js';
import { OrderReference as Order, orderRef } from './order-reference.js';
import { Payment } from './payment.entity.js';

@Resolver(() => Payment)
export class PaymentResolver {
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
