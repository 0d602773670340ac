import { requireViewer } from '@peerlink/platform/auth/viewer';
import { badInput } from '@peerlink/platform/errors';
import { Money, money } from '@peerlink/platform/graphql/money';

import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { mayEdit } from './access.js';
import type { LearningContext } from './context.js';
import { Course, CourseConnection, CourseLevel } from './course.entity.js';
import { Section } from './curriculum.entity.js';
import { Enrollment } from './enrollment.entity.js';
import { User, userRef } from './user.resolver.js';

@InputType({ description: 'On update, only the fields you set change.' })
export class CourseInput {
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  subtitle?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'A BCP 47 tag: "en", "pt-BR".' })
  language?: string | null;

  @Field(() => CourseLevel, { nullable: true })
  level?: CourseLevel | null;

  @Field(() => String, { nullable: true })
  category?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'In minor units (1999 is 19.99), with `currency`: a paid course, sold in the marketplace.',
  })
  priceAmount?: number | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217, e.g. "usd".' })
  currency?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Make it free: no price, students enroll directly.' })
  free?: boolean | null;
}

@InputType()
export class CourseFilter {
  @Field(() => String, { nullable: true, description: 'Words in the title (first), subtitle or description.' })
  search?: string | null;

  @Field(() => String, { nullable: true })
  category?: string | null;

  @Field(() => CourseLevel, { nullable: true })
  level?: CourseLevel | null;

  @Field(() => ID, { nullable: true, description: 'One instructor’s courses; your own include drafts.' })
  instructorId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: free courses only; false: paid only.' })
  free?: boolean | null;
}

@Resolver(() => Course)
export class CourseResolver {
  @Query(() => Course, { nullable: true, description: 'By `id` or by `slug`; NOT_FOUND when you may not see it.' })
  course(
    @Arg('id', () => ID, { nullable: true }) id: string | null,
    @Arg('slug', () => String, { nullable: true }) slug: string | null,
    @Ctx() ctx: LearningContext,
  ) {
    if (!id === !slug) throw badInput('Give the course’s id or its slug, not both.', id ? 'slug' : 'id');
    return id ? ctx.services.courses.visible(id, ctx.loaders) : ctx.services.courses.bySlug(slug!, ctx.loaders);
  }

  @Query(() => CourseConnection, { nullable: true, description: 'Published courses, newest first.' })
  courses(
    @Arg('filter', () => CourseFilter, { nullable: true }) filter: CourseFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: LearningContext,
  ) {
    return ctx.services.courses.search(ctx.viewer, filter ?? {}, first, after);
  }

  @Mutation(() => Course, {
    nullable: true,
    description: 'A new draft course of yours (INSTRUCTOR role; see becomeInstructor).',
  })
  createCourse(@Arg('input', () => CourseInput) input: CourseInput, @Ctx() ctx: LearningContext) {
    return ctx.services.courses.create(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => Course, { nullable: true })
  updateCourse(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => CourseInput) input: CourseInput,
    @Ctx() ctx: LearningContext,
  ) {
    return ctx.services.courses.update(requireViewer(ctx.viewer), id, input, ctx.loaders);
  }

  @Mutation(() => Course, {
    nullable: true,
    description:
      'Opens the course to students; a paid one goes on sale in the marketplace. BAD_USER_INPUT with ' +
      '`extensions.missing` lists what it still needs.',
  })
  publishCourse(@Arg('id', () => ID) id: string, @Ctx() ctx: LearningContext) {
    return ctx.services.courses.publish(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Course, {
    nullable: true,
    description: 'Its instructor or an admin withdraws it; enrolled students keep it.',
  })
  archiveCourse(@Arg('id', () => ID) id: string, @Ctx() ctx: LearningContext) {
    return ctx.services.courses.archive(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Enrollment, {
    nullable: true,
    description: 'Joins a free course; a paid one is bought as its product.',
  })
  enroll(@Arg('courseId', () => ID) courseId: string, @Ctx() ctx: LearningContext) {
    return ctx.services.enrollments.enroll(requireViewer(ctx.viewer), courseId, ctx.loaders);
  }

  @FieldResolver(() => User, { nullable: true })
  instructor(@Root() course: Course) {
    return userRef(course.instructorId);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'Null for a free course.' })
  price(@Root() course: Course) {
    return course.priceAmount === null ? null : money(course.priceAmount, course.currency!);
  }

  @FieldResolver(() => Boolean)
  isFree(@Root() course: Course) {
    return course.free;
  }

  @FieldResolver(() => [Section])
  sections(@Root() course: Course, @Ctx() ctx: LearningContext) {
    return ctx.loaders.sections.load(course.id);
  }

  @FieldResolver(() => Int, { description: 'Lectures students can open (a video counts once it is ready).' })
  async lectureCount(@Root() course: Course, @Ctx() ctx: LearningContext) {
    return (await ctx.loaders.listedLectures(course)).length;
  }

  @FieldResolver(() => Int, { description: 'The lectures’ durations added up.' })
  async durationSeconds(@Root() course: Course, @Ctx() ctx: LearningContext) {
    return (await ctx.loaders.listedLectures(course)).reduce((sum, l) => sum + (l.durationSeconds ?? 0), 0);
  }

  @FieldResolver(() => Int)
  enrollmentCount(@Root() course: Course) {
    return course.enrollmentCount;
  }

  @FieldResolver(() => Enrollment, { nullable: true, description: 'Yours, when you are or were a student.' })
  viewerEnrollment(@Root() course: Course, @Ctx() ctx: LearningContext) {
    return ctx.loaders.enrollment.load(course.id);
  }

  @FieldResolver(() => Boolean, { description: 'Whether you may change it now.' })
  viewerCanEdit(@Root() course: Course, @Ctx() ctx: LearningContext) {
    return mayEdit(ctx.viewer, course);
  }
}
