import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { AnalyticsContext } from './context.js';
import { checkedPeriod } from './period.js';
import { ReportPeriod } from './report.resolver.js';
import { checkedFirst, courseRanking, MAX_RANKED, productRanking } from './sales.service.js';
import { CourseRanking, ProductRanking } from './sales.types.js';

/** Public rankings of what is on sale now; anyone may read them, signed in or not. */
@Resolver()
export class SalesResolver {
  @Query(() => ProductRanking, {
    nullable: true,
    description:
      'The products on sale now that sold most in the period, by units and, per currency, by revenue (courses: ' +
      '`topCourses`).',
  })
  async topProducts(
    @Arg('period') period: ReportPeriod,
    @Arg('category', () => ID, { nullable: true, description: 'Only this category and its subcategories.' })
    category: string | null,
    @Arg('first', () => Int, {
      nullable: true,
      description: `How many of each ranking: 1 to ${MAX_RANKED}, 10 by default.`,
    })
    first: number | null,
    @Ctx() ctx: AnalyticsContext,
  ) {
    const ranking = await ctx.services.sales.topProducts(checkedPeriod(period), category, checkedFirst(first));
    return productRanking(ranking);
  }

  @Query(() => CourseRanking, {
    nullable: true,
    description: 'The courses published now that sold most in the period, by units and, per currency, by revenue.',
  })
  async topCourses(
    @Arg('period') period: ReportPeriod,
    @Arg('first', () => Int, {
      nullable: true,
      description: `How many of each ranking: 1 to ${MAX_RANKED}, 10 by default.`,
    })
    first: number | null,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return courseRanking(await ctx.services.sales.topCourses(checkedPeriod(period), checkedFirst(first)));
  }
}
