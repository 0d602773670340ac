import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { LearningContext } from '../context.js';
import { Course } from '../course.entity.js';
import { Lecture } from '../curriculum.entity.js';
import { User, userRef } from '../user.resolver.js';
import { Certificate, FileReference } from './certificate.entity.js';
import { verificationUrl } from './certificate-worker.js';
import type { CourseProgressView, LectureProgressView } from './progress.service.js';

@ObjectType('LectureProgress', { description: 'Where you are in one lecture.' })
export class LectureProgressType {
  @Field(() => ID)
  lectureId!: string;

  @Field(() => Int, { description: 'Where playback was at the last heartbeat.' })
  positionSeconds!: number;

  @Field(() => Int, { description: 'The most of the lecture any heartbeat said you had seen.' })
  watchedSeconds!: number;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  @Field()
  completed!: boolean;
}

const lectureProgress = (view: LectureProgressView): LectureProgressType => ({
  ...view,
  completed: view.completedAt !== null,
});

@ObjectType({ description: 'Where to pick the course up.' })
export class ResumePoint {
  @Field(() => ID)
  lectureId!: string;

  @Field(() => Int)
  positionSeconds!: number;
}

@ObjectType({ description: 'Your progress through a course you are enrolled in.' })
export class CourseProgress {
  @Field(() => [ID], { description: 'In course order.' })
  completedLectureIds!: string[];

  @Field(() => Int)
  completedLectures!: number;

  @Field(() => Int, { description: 'The lectures there are to complete.' })
  lectureCount!: number;

  @Field(() => Int, { description: 'Whole percent of the lectures completed; 100 once the course is.' })
  percent!: number;

  @Field(() => Int, { description: 'Seconds of lectures watched, all lectures together.' })
  timeSpentSeconds!: number;

  @Field(() => ResumePoint, { nullable: true, description: 'Null before you start, and when nothing is left.' })
  resume!: ResumePoint | null;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  courseId!: string;
}

const courseProgress = (view: CourseProgressView | null): CourseProgress | null =>
  view && { ...view, completedLectures: view.completedLectureIds.length };

@ObjectType({ description: 'A course’s figures, for its instructor and admins.' })
export class CourseStats {
  @Field(() => Int, { description: 'Students who ever enrolled, refunded ones included.' })
  enrollments!: number;

  @Field(() => Int)
  completions!: number;

  @Field(() => Int, { description: 'Whole percent of enrollments that completed the course.' })
  completionPercent!: number;

  @Field(() => Int, { description: 'Minutes of its lectures students have watched, all together.' })
  minutesWatched!: number;
}

@Resolver(() => CourseProgress)
export class ProgressResolver {
  @Mutation(() => LectureProgressType, {
    nullable: true,
    description:
      'A player’s heartbeat, every few seconds while a student watches: where playback is, and how much ' +
      'of the lecture they have seen in all (not since the last heartbeat), so a repeated one changes nothing. ' +
      'Most of a video watched completes it; every lecture completed completes the course.',
  })
  async recordProgress(
    @Arg('lectureId', () => ID) lectureId: string,
    @Arg('positionSeconds', () => Int) positionSeconds: number,
    @Arg('watchedSeconds', () => Int) watchedSeconds: number,
    @Ctx() ctx: LearningContext,
  ) {
    const viewer = requireViewer(ctx.viewer);
    return lectureProgress(await ctx.services.progress.record(viewer, lectureId, { positionSeconds, watchedSeconds }));
  }

  @Mutation(() => LectureProgressType, {
    nullable: true,
    description: 'Marks an article lecture read (videos complete by being watched); again changes nothing.',
  })
  async completeLecture(@Arg('lectureId', () => ID) lectureId: string, @Ctx() ctx: LearningContext) {
    return lectureProgress(await ctx.services.progress.completeLecture(requireViewer(ctx.viewer), lectureId));
  }

  @Query(() => CourseProgress, {
    nullable: true,
    description: 'Your progress in a course; null unless you are or were enrolled.',
  })
  async courseProgress(@Arg('courseId', () => ID) courseId: string, @Ctx() ctx: LearningContext) {
    const viewer = requireViewer(ctx.viewer);
    const course = await ctx.services.courses.visible(courseId, ctx.loaders);
    return courseProgress(await ctx.services.progress.ofCourse(viewer, course, ctx.loaders));
  }

  @FieldResolver(() => Certificate, { nullable: true, description: 'Once the course is completed and it is drawn.' })
  certificate(@Root() progress: CourseProgress, @Ctx() ctx: LearningContext) {
    return ctx.loaders.viewerCertificate.load(progress.courseId);
  }
}

@Resolver(() => ResumePoint)
export class ResumePointResolver {
  @FieldResolver(() => Lecture, { nullable: true })
  lecture(@Root() point: ResumePoint, @Ctx() ctx: LearningContext) {
    return ctx.loaders.lecture.load(point.lectureId);
  }
}

@Resolver(() => Certificate)
export class CertificateResolver {
  @Query(() => Certificate, {
    nullable: true,
    description: 'A certificate by its id, for anyone (signed in or not) checking one: NOT_FOUND if there is none.',
  })
  certificate(@Arg('id', () => ID) id: string, @Ctx() ctx: LearningContext) {
    return ctx.services.progress.certificate(id);
  }

  @FieldResolver(() => String, { description: 'The public page that shows this certificate.' })
  verificationUrl(@Root() certificate: Certificate, @Ctx() ctx: LearningContext) {
    return verificationUrl(ctx.services.progress.publicUrl, certificate.id);
  }

  @FieldResolver(() => User, { nullable: true })
  student(@Root() certificate: Certificate) {
    return userRef(certificate.userId);
  }

  @FieldResolver(() => User, { nullable: true })
  instructor(@Root() certificate: Certificate) {
    return userRef(certificate.instructorId);
  }

  @FieldResolver(() => Course, { nullable: true, description: 'Null if the course is no longer open to you.' })
  course(@Root() certificate: Certificate, @Ctx() ctx: LearningContext) {
    return ctx.loaders.visibleCourse(certificate.courseId);
  }

  @FieldResolver(() => FileReference, {
    nullable: true,
    description: 'The PDF, one of the student’s drive files: for the student only.',
  })
  pdf(@Root() certificate: Certificate, @Ctx() ctx: LearningContext): FileReference | null {
    return ctx.viewer?.userId === certificate.userId ? { id: certificate.fileId } : null;
  }
}

/** What learning adds to a course for the one viewing it: their progress, the instructor's figures, a picture. */
@Resolver(() => Course)
export class CourseProgressResolver {
  @FieldResolver(() => CourseProgress, { nullable: true, description: 'Yours, when you are or were a student.' })
  async viewerProgress(@Root() course: Course, @Ctx() ctx: LearningContext) {
    return courseProgress(await ctx.services.progress.ofCourse(ctx.viewer, course, ctx.loaders));
  }

  @FieldResolver(() => CourseStats, { nullable: true, description: 'For its instructor and admins; null for others.' })
  stats(@Root() course: Course, @Ctx() ctx: LearningContext) {
    return ctx.services.progress.stats(ctx.viewer, course);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'A signed link to its picture (the first ready video’s thumbnail), valid for an hour.',
  })
  async thumbnailUrl(@Root() course: Course, @Ctx() ctx: LearningContext) {
    return ctx.services.thumbnails.url(await ctx.loaders.listedLectures(course), ctx.client);
  }
}
