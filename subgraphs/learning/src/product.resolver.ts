import { Ctx, Directive, Field, FieldResolver, ID, ObjectType, Resolver, Root } from 'type-graphql';
import type { LearningContext } from './context.js';
import { Course } from './course.entity.js';

/** A marketplace product as learning knows one: by id. Learning adds the course a COURSE product sells. */
@Directive('@key(fields: "id")')
@ObjectType()
export class Product {
  @Field(() => ID)
  id!: string;
}

export const productRef = (id: string): Product => ({ id });

@Resolver(() => Product)
export class ProductCourseResolver {
  @FieldResolver(() => Course, { nullable: true, description: 'The course a COURSE product sells.' })
  async course(@Root() product: Product, @Ctx() ctx: LearningContext) {
    const course = await ctx.loaders.courseByProduct.load(product.id);
    return course ? ctx.loaders.visibleCourse(course.id) : null;
  }
}

@Resolver(() => Course)
export class CourseProductResolver {
  @FieldResolver(() => Product, {
    nullable: true,
    description: 'The marketplace listing that sells it, once published; null for a free course.',
  })
  product(@Root() course: Course) {
    return course.productId && !course.free ? productRef(course.productId) : null;
  }
}
