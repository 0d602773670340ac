import { Money } from '@peerlink/platform/graphql/money';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';

/** A product as analytics names one: marketplace resolves the rest, for those who may see it. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Product')
export class ProductReference {
  @Field(() => ID)
  id!: string;
}

/** A course as analytics names one: learning resolves the rest. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Course')
export class CourseReference {
  @Field(() => ID)
  id!: string;
}

@ObjectType({
  description: 'What one product sold in a period: orders paid, less those cancelled or refunded in full.',
})
export class ProductSales {
  @Field(() => ProductReference, { nullable: true, description: 'Null when marketplace no longer shows it to you.' })
  product!: ProductReference | null;

  @Field(() => String, { nullable: true, description: 'Its title as last told; null when analytics never heard it.' })
  title!: string | null;

  @Field(() => Int)
  units!: number;

  @Field(() => [Money], { description: 'Units × the price each was bought at, per currency.' })
  revenue!: Money[];
}

@ObjectType()
export class ProductRevenueRanking {
  @Field({ description: 'ISO 4217, lowercase: the currency this ranking is by.' })
  currencyCode!: string;

  @Field(() => [ProductSales], { description: 'Most revenue in this currency first.' })
  products!: ProductSales[];
}

@ObjectType({ description: 'The products that sold most in a period, by units and, per currency, by revenue.' })
export class ProductRanking {
  @Field(() => [ProductSales], { description: 'Most units first.' })
  byUnits!: ProductSales[];

  @Field(() => [ProductRevenueRanking], { description: 'Per currency (money is never added across currencies).' })
  byRevenue!: ProductRevenueRanking[];

  @Field(() => Date, { nullable: true, description: 'When the latest event these figures include happened.' })
  lastEventAt!: Date | null;
}

@ObjectType({ description: 'What one course sold in a period: enrollments paid, less orders cancelled or refunded.' })
export class CourseSales {
  @Field(() => CourseReference, { nullable: true })
  course!: CourseReference | null;

  @Field(() => String, { nullable: true, description: 'Its title as last published.' })
  title!: string | null;

  @Field(() => Int)
  units!: number;

  @Field(() => [Money], { description: 'Per currency.' })
  revenue!: Money[];
}

@ObjectType()
export class CourseRevenueRanking {
  @Field({ description: 'ISO 4217, lowercase: the currency this ranking is by.' })
  currencyCode!: string;

  @Field(() => [CourseSales], { description: 'Most revenue in this currency first.' })
  courses!: CourseSales[];
}

@ObjectType({ description: 'The courses that sold most in a period, by units and, per currency, by revenue.' })
export class CourseRanking {
  @Field(() => [CourseSales], { description: 'Most units first.' })
  byUnits!: CourseSales[];

  @Field(() => [CourseRevenueRanking], { description: 'Per currency.' })
  byRevenue!: CourseRevenueRanking[];

  @Field(() => Date, { nullable: true, description: 'When the latest event these figures include happened.' })
  lastEventAt!: Date | null;
}
