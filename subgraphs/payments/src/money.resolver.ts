import { money, Money } from '@peerlink/platform/graphql/money';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from './context.js';
import { Payment } from './charges/payment.entity.js';
import { Payout } from './payouts/payout.entity.js';
import { Plan } from './plans/plan.entity.js';
import { Refund } from './charges/refund.entity.js';

// Amounts as `Money`, the type marketplace shows prices and totals in. The tables keep minor units
// and a currency; the bare `amount`/`currency` fields stay for one release, deprecated.

@Resolver(() => Payment)
export class PaymentMoneyResolver {
  @FieldResolver(() => Money, { description: 'What the buyer is charged: the order’s total.' })
  total(@Root() payment: Payment): Money {
    return money(payment.amount, payment.currency);
  }

  @FieldResolver(() => Money, { description: 'Given back to the buyer so far.' })
  refunded(@Root() payment: Payment): Money {
    return money(payment.refundedAmount, payment.currency);
  }
}

@Resolver(() => Refund)
export class RefundMoneyResolver {
  @FieldResolver(() => Money, { description: 'What this refund gave back, in the payment’s currency.' })
  async total(@Root() refund: Refund, @Ctx() ctx: PaymentsContext): Promise<Money> {
    const payment = await ctx.loaders.payment.load(refund.paymentId);
    return money(refund.amount, payment!.currency);
  }
}

@Resolver(() => Payout)
export class PayoutMoneyResolver {
  @FieldResolver(() => Money, { description: 'Gross: what the buyer paid, less refunds before it fell due.' })
  grossTotal(@Root() payout: Payout): Money {
    return money(payout.amount, payout.currency);
  }

  @FieldResolver(() => Money, {
    description: 'The platform’s fee (PLATFORM_FEE_PERCENT of the gross, rounded half up).',
  })
  feeTotal(@Root() payout: Payout): Money {
    return money(payout.fee, payout.currency);
  }

  @FieldResolver(() => Money, { description: 'What the seller gets: grossTotal − feeTotal.' })
  netTotal(@Root() payout: Payout): Money {
    return money(payout.net, payout.currency);
  }

  @FieldResolver(() => Money, { description: 'Taken back from the seller after refunds.' })
  reversed(@Root() payout: Payout): Money {
    return money(payout.reversedAmount, payout.currency);
  }
}

@Resolver(() => Plan)
export class PlanMoneyResolver {
  @FieldResolver(() => Money, { description: 'Charged each period.' })
  price(@Root() plan: Plan): Money {
    return money(plan.amount, plan.currency);
  }
}

export const moneyResolvers = [
  PaymentMoneyResolver,
  RefundMoneyResolver,
  PayoutMoneyResolver,
  PlanMoneyResolver,
] as const;
