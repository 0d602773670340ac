import { holdsRole } from '@peerlink/platform/auth/roles';
import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../context.js';
import { OrderReference as Order, orderRef } from '../charges/order-reference.js';
import { Payment } from '../charges/payment.entity.js';
import { PayoutAccount, PayoutOnboarding } from './payout-account.entity.js';
import { Payout, PayoutConnection } from './payout.entity.js';

@Resolver(() => Payout)
export class PayoutResolver {
  @Mutation(() => PayoutOnboarding, {
    nullable: true,
    description:
      'Sellers only: your payout account (made on first call) and a fresh link to the provider’s onboarding, ' +
      'which comes back to `returnUrl`.',
  })
  connectPayoutAccount(
    @Arg('returnUrl', () => String, { nullable: true }) returnUrl: string | null,
    @Ctx() ctx: PaymentsContext,
  ) {
    return ctx.services.payoutAccounts.connect(requireViewer(ctx.viewer), returnUrl);
  }

  @Query(() => PayoutAccount, { nullable: true, description: 'Your payout account; null until you connect one.' })
  payoutAccount(@Ctx() ctx: PaymentsContext) {
    return ctx.services.payoutAccounts.mine(requireViewer(ctx.viewer));
  }

  @Query(() => PayoutConnection, { nullable: true, description: 'Your payouts, newest first: one per completed sale.' })
  payouts(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: PaymentsContext,
  ) {
    return ctx.services.payouts.mine(requireViewer(ctx.viewer), first, after);
  }

  @Query(() => Payout, { nullable: true, description: 'A payout, for its seller and admins.' })
  payout(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext) {
    return ctx.services.payouts.visible(requireViewer(ctx.viewer), id, () => holdsRole(ctx.viewer, 'ADMIN'));
  }

  @FieldResolver(() => Order, { nullable: true })
  order(@Root() payout: Payout) {
    return orderRef(payout.orderId);
  }

  @FieldResolver(() => Payment)
  payment(@Root() payout: Payout, @Ctx() ctx: PaymentsContext) {
    // Whoever sees the payout (its seller, an admin) sees the payment too.
    return ctx.loaders.payment.load(payout.paymentId);
  }
}
