import { requireViewer } from '@peerlink/platform/auth/viewer';
import { CURRENT_ARGUMENT, CURRENT_ARGUMENT_DESCRIPTION, liveDirective } from '@peerlink/platform/graphql/live';
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
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { Refund } from './refund.entity.js';
import { isPayer } from '../access.js';
import type { PaymentsContext } from '../context.js';
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
  @Mutation(() => Payment, {
    nullable: true,
    description: 'The seller of the order, or an admin, gives back part or all of a payment.',
  })
  refundPayment(@Arg('input') input: RefundPaymentInput, @Ctx() ctx: PaymentsContext) {
    return ctx.services.payments.refund(requireViewer(ctx.viewer), input, ctx.loaders);
  }

  @FieldResolver(() => [Refund])
  refunds(@Root() payment: Payment, @Ctx() ctx: PaymentsContext) {
    return ctx.loaders.refunds.load(payment.id);
  }

  @Query(() => Payment, {
    nullable: true,
    description:
      'The payment of an order, for its buyer, its seller and admins. NOT_FOUND until the order has been charged.',
  })
  paymentStatus(@Arg('orderId', () => ID) orderId: string, @Ctx() ctx: PaymentsContext) {
    requireViewer(ctx.viewer);
    return ctx.services.payments.ofOrder(orderId, ctx.loaders);
  }

  @Query(() => Payment, { nullable: true, description: 'A payment, for the buyer and seller of its order and admins.' })
  payment(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext) {
    requireViewer(ctx.viewer);
    return ctx.services.payments.visible(id, ctx.loaders);
  }

  @Directive(
    liveDirective({
      subject: 'payments.payment.updated',
      lookup: 'payment',
      audience: 'recipientIds',
      current: ['payment(id: $paymentId)', 'paymentStatus(orderId: $orderId)'],
    }),
  )
  @Subscription(() => Payment, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description:
      'Payments of your orders, bought or sold, as they change (charged, 3-D Secure finished, refunds): all ' +
      'of them, or one by `paymentId` or its `orderId`. An order not charged yet has no current state ' +
      '(NOT_FOUND).',
  })
  paymentUpdated(
    @Arg('paymentId', () => ID, { nullable: true }) _paymentId: string | null,
    @Arg('orderId', () => ID, { nullable: true }) _orderId: string | null,
    @Arg(CURRENT_ARGUMENT, () => Boolean, {
      nullable: true,
      defaultValue: false,
      description: CURRENT_ARGUMENT_DESCRIPTION,
    })
    _current: boolean,
    @Root() payment: Payment,
  ) {
    return payment;
  }

  @FieldResolver(() => Order, { nullable: true })
  order(@Root() payment: Payment) {
    return orderRef(payment.orderId);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'For the buyer’s client to complete the payment with the provider; null for everyone else.',
  })
  clientSecret(@Root() payment: Payment, @Ctx() ctx: PaymentsContext) {
    return isPayer(payment, ctx.viewer?.userId ?? null) ? payment.clientSecret : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Where the buyer authenticates the payment (REQUIRES_ACTION); null for everyone else.',
  })
  actionUrl(@Root() payment: Payment, @Ctx() ctx: PaymentsContext) {
    return isPayer(payment, ctx.viewer?.userId ?? null) ? payment.actionUrl : null;
  }
}
