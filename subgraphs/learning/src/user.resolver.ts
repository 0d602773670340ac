import { Arg, Ctx, Directive, Field, FieldResolver, ID, Int, ObjectType, Resolver, Root } from 'type-graphql';
import type { LearningContext } from './context.js';
import { Course, CourseConnection } from './course.entity.js';
import { Enrollment, EnrollmentConnection } from './enrollment.entity.js';

/** A user as learning sees one: identity owns the profile; learning adds what they teach and study. */
@Directive('@key(fields: "id")')
@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;
}

export const userRef = (id: string): User => ({ id });

@Resolver(() => User)
export class LearningUserResolver {
  @FieldResolver(() => CourseConnection, {
    nullable: true,
    description: 'Their published courses, newest first; yours include drafts.',
  })
  teachingCourses(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: LearningContext,
  ) {
    return ctx.services.courses.search(ctx.viewer, { instructorId: user.id }, first, after);
  }

  @FieldResolver(() => EnrollmentConnection, {
    nullable: true,
    description: 'The courses they joined, newest first: your own only (null for anyone else).',
  })
  enrollments(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: LearningContext,
  ) {
    if (ctx.viewer?.userId !== user.id) return null;
    return ctx.services.enrollments.mine(ctx.viewer, first, after);
  }
}

@Resolver(() => Enrollment)
export class EnrollmentResolver {
  @FieldResolver(() => Course, { nullable: true, description: 'Null if the course is no longer open to you.' })
  course(@Root() enrollment: Enrollment, @Ctx() ctx: LearningContext) {
    return ctx.loaders.visibleCourse(enrollment.courseId);
  }
}
