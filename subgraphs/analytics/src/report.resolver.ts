import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Money } from '@peerlink/platform/graphql/money';
import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { AnalyticsContext } from './context.js';
import { checkedPeriod } from './period.js';
import { ProductRanking } from './sales.types.js';

@InputType({ description: 'Calendar days from `from` to `to`, both included, in `timeZone`.' })
export class ReportPeriod {
  @Field({ description: 'YYYY-MM-DD.' })
  from!: string;

  @Field({ description: 'YYYY-MM-DD, at most 400 days after `from`.' })
  to!: string;

  @Field(() => String, { nullable: true, description: 'An IANA time zone, e.g. Europe/Lisbon; UTC by default.' })
  timeZone?: string | null;
}

@ObjectType({ description: 'A seller’s figures in one currency.' })
export class SellerFigures {
  @Field(() => Int, { description: 'Orders placed with them.' })
  orders!: number;

  @Field(() => Int, { description: 'Units in orders paid (by date paid), less orders cancelled or refunded in full.' })
  units!: number;

  @Field(() => Money, { description: 'Paid by buyers.' })
  revenue!: Money;

  @Field(() => Money, { description: 'Refunded to buyers.' })
  refunds!: Money;

  @Field(() => Money, { description: 'Paid out to them, less what was taken back.' })
  payouts!: Money;
}

@ObjectType()
export class SellerDay extends SellerFigures {
  @Field({ description: 'YYYY-MM-DD in the period’s time zone.' })
  date!: string;
}

@ObjectType()
export class SellerReport {
  @Field(() => ID)
  sellerId!: string;

  @Field(() => [SellerDay], { description: 'Days with any figure, oldest first, per currency.' })
  days!: SellerDay[];

  @Field(() => [SellerFigures], { description: 'The whole period, per currency.' })
  totals!: SellerFigures[];

  @Field(() => ProductRanking, { description: 'Their products that sold most in the period (archived ones too).' })
  bestSellers!: ProductRanking;

  @Field(() => Date, { nullable: true, description: 'When the latest event these figures include happened.' })
  lastEventAt!: Date | null;
}

@ObjectType()
export class PlatformDay {
  @Field()
  date!: string;

  @Field(() => Int, { description: 'Users who signed up, signed in, posted, wrote, ordered or paid that day.' })
  activeUsers!: number;

  @Field(() => Int)
  signUps!: number;

  @Field(() => Int)
  posts!: number;

  @Field(() => Int)
  messages!: number;

  @Field(() => Int)
  orders!: number;

  @Field(() => Int)
  failedPayments!: number;

  @Field(() => Int, {
    description:
      'Events a service gave up on that day after its last attempt (they wait as dead letters for an operator to ' +
      'replay: `npm run dead-letters`).',
  })
  deadLetters!: number;
}

@ObjectType({ description: 'Money that moved on one day, in one currency.' })
export class PlatformMoneyDay {
  @Field()
  date!: string;

  @Field(() => Money, { description: 'Paid by buyers.' })
  grossVolume!: Money;

  @Field(() => Money)
  refunds!: Money;
}

@ObjectType()
export class PlatformReport {
  @Field(() => [PlatformDay], { description: 'Every day of the period, oldest first.' })
  days!: PlatformDay[];

  @Field(() => [PlatformMoneyDay], { description: 'Days with money moving, per currency.' })
  money!: PlatformMoneyDay[];

  @Field(() => Int, { description: 'Users active in the 30 days that end with the period.' })
  monthlyActiveUsers!: number;

  @Field(() => Date, { nullable: true })
  lastEventAt!: Date | null;
}

@ObjectType()
export class AnalyticsRebuild {
  @Field(() => Int, { description: 'Events folded again from the log.' })
  events!: number;

  @Field(() => Int, { description: 'Facts the reports count now.' })
  facts!: number;
}

@Resolver()
export class ReportResolver {
  @Query(() => SellerReport, {
    nullable: true,
    description: 'A seller’s orders, revenue, refunds and payouts, per day and in all (admins: any `sellerId`).',
  })
  sellerReport(
    @Arg('period') period: ReportPeriod,
    @Arg('sellerId', () => ID, { nullable: true }) sellerId: string | null,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.reports.seller(requireViewer(ctx.viewer), checkedPeriod(period), sellerId);
  }

  @Query(() => PlatformReport, { nullable: true, description: 'Admins: activity and money across PeerLink.' })
  platformReport(@Arg('period') period: ReportPeriod, @Ctx() ctx: AnalyticsContext) {
    return ctx.services.reports.platform(requireViewer(ctx.viewer), checkedPeriod(period));
  }

  @Mutation(() => AnalyticsRebuild, {
    nullable: true,
    description: 'Admins: rebuilds every report from the analytics event log (as `npm run analytics:rebuild`).',
  })
  rebuildAnalytics(@Ctx() ctx: AnalyticsContext) {
    return ctx.services.reports.rebuild(requireViewer(ctx.viewer));
  }
}
