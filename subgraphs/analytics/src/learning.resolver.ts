import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Money } from '@peerlink/platform/graphql/money';
import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { AnalyticsContext } from './context.js';
import { checkedPeriod } from './period.js';
import { ReportPeriod } from './report.resolver.js';

@ObjectType({ description: 'An instructor’s figures for some courses over some days.' })
export class InstructorFigures {
  @Field(() => Int, { description: 'Students who enrolled (a reopened enrollment counts again).' })
  enrollments!: number;

  @Field(() => Int, { description: 'Paid enrollments ended by a cancelled or fully refunded order.' })
  endedEnrollments!: number;

  @Field(() => Int, { description: 'Courses students completed.' })
  completions!: number;

  @Field(() => Int, {
    description:
      'Of the students who enrolled in these days, the percentage who completed the course by the period’s end.',
  })
  completionPercent!: number;

  @Field(() => Int, { description: 'Seconds of the courses’ videos students watched.' })
  secondsWatched!: number;

  @Field(() => Int, { description: 'secondsWatched in whole minutes.' })
  minutesWatched!: number;

  @Field(() => [Money], {
    description: 'The courses’ lines of orders paid in these days, per currency (refunds not taken off).',
  })
  revenue!: Money[];
}

@ObjectType()
export class InstructorCourseFigures extends InstructorFigures {
  @Field(() => ID)
  courseId!: string;

  @Field(() => String, { nullable: true, description: 'As last published.' })
  title!: string | null;
}

@ObjectType()
export class InstructorDay extends InstructorFigures {
  @Field({ description: 'YYYY-MM-DD in the period’s time zone.' })
  date!: string;

  @Field(() => ID)
  courseId!: string;
}

@ObjectType()
export class InstructorReport {
  @Field(() => ID)
  instructorId!: string;

  @Field(() => [InstructorCourseFigures], { description: 'Courses with any figure in the period, by title.' })
  courses!: InstructorCourseFigures[];

  @Field(() => [InstructorDay], { description: 'Days with any figure, oldest first, per course.' })
  days!: InstructorDay[];

  @Field(() => InstructorFigures, { description: 'All the instructor’s courses over the whole period.' })
  totals!: InstructorFigures;

  @Field(() => Date, { nullable: true, description: 'When the latest event these figures include happened.' })
  lastEventAt!: Date | null;
}

@ObjectType()
export class LearningCourseTime {
  @Field(() => ID)
  courseId!: string;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field(() => Int, { description: 'Seconds of the course’s videos watched.' })
  secondsSpent!: number;
}

@ObjectType()
export class LearningDay {
  @Field({ description: 'YYYY-MM-DD in the period’s time zone.' })
  date!: string;

  @Field(() => ID)
  courseId!: string;

  @Field(() => Int)
  secondsSpent!: number;
}

@ObjectType()
export class LearningReport {
  @Field(() => ID)
  userId!: string;

  @Field(() => [LearningCourseTime], { description: 'Courses watched in the period, by title.' })
  courses!: LearningCourseTime[];

  @Field(() => [LearningDay], { description: 'Days with time spent, oldest first, per course.' })
  days!: LearningDay[];

  @Field(() => Int)
  totalSeconds!: number;

  @Field(() => Date, { nullable: true, description: 'When the latest event these figures include happened.' })
  lastEventAt!: Date | null;
}

@Resolver()
export class LearningReportResolver {
  @Query(() => InstructorReport, {
    nullable: true,
    description: 'Instructors: enrollments, completion, time watched and revenue of their own courses.',
  })
  instructorReport(@Arg('period') period: ReportPeriod, @Ctx() ctx: AnalyticsContext) {
    return ctx.services.learning.instructor(requireViewer(ctx.viewer), checkedPeriod(period));
  }

  @Query(() => LearningReport, { nullable: true, description: 'The signed-in student’s time spent in courses.' })
  learningReport(@Arg('period') period: ReportPeriod, @Ctx() ctx: AnalyticsContext) {
    return ctx.services.learning.student(requireViewer(ctx.viewer), checkedPeriod(period));
  }
}
