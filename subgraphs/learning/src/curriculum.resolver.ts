import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { mayEdit, mayOpen } from './access.js';
import type { LearningContext } from './context.js';
import { Lecture, LectureKind, Section, VideoStatus } from './curriculum.entity.js';

@InputType({ description: 'On update, only the fields you set change.' })
export class LectureInput {
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => LectureKind, { nullable: true, description: 'Required when adding; fixed after.' })
  kind?: LectureKind | null;

  @Field(() => Boolean, { nullable: true })
  isFreePreview?: boolean | null;

  @Field(() => String, { nullable: true, description: 'An article’s text (Markdown).' })
  body?: string | null;

  @Field(() => Int, { nullable: true, description: 'An article’s reading time; a video’s is measured.' })
  durationSeconds?: number | null;

  @Field(() => ID, { nullable: true, description: 'Moves the lecture to the end of this section (update only).' })
  sectionId?: string | null;
}

@ObjectType({ description: 'A video lecture’s processing, live through `lectureVideoUpdated`.' })
export class LectureVideo {
  @Field(() => VideoStatus)
  status!: VideoStatus;

  @Field(() => Int, { description: 'Percent done, 0 to 100: it moves while PROCESSING and is 100 when READY.' })
  progress!: number;

  @Field(() => String, { nullable: true, description: 'Why it FAILED, and what to do about it.' })
  failureReason!: string | null;
}

@Resolver(() => Section)
export class SectionResolver {
  @FieldResolver(() => [Lecture])
  async lectures(@Root() section: Section, @Ctx() ctx: LearningContext) {
    const course = await ctx.loaders.course.load(section.courseId);
    if (!course) return [];
    return (await ctx.loaders.listedLectures(course)).filter((l) => l.sectionId === section.id);
  }

  @Mutation(() => Section, { nullable: true })
  addSection(@Arg('courseId', () => ID) courseId: string, @Arg('title') title: string, @Ctx() ctx: LearningContext) {
    return ctx.services.curriculum.addSection(requireViewer(ctx.viewer), courseId, title, ctx.loaders);
  }

  @Mutation(() => Section, { nullable: true })
  renameSection(@Arg('id', () => ID) id: string, @Arg('title') title: string, @Ctx() ctx: LearningContext) {
    return ctx.services.curriculum.renameSection(requireViewer(ctx.viewer), id, title, ctx.loaders);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Removes the section with its lectures.' })
  removeSection(@Arg('id', () => ID) id: string, @Ctx() ctx: LearningContext) {
    return ctx.services.curriculum.removeSection(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => [Section], {
    nullable: true,
    description: 'Every section of the course, once each, in the new order.',
  })
  reorderSections(
    @Arg('courseId', () => ID) courseId: string,
    @Arg('sectionIds', () => [ID]) sectionIds: string[],
    @Ctx() ctx: LearningContext,
  ) {
    return ctx.services.curriculum.reorderSections(requireViewer(ctx.viewer), courseId, sectionIds, ctx.loaders);
  }
}

@Resolver(() => Lecture)
export class LectureResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'An article’s text, for its students, its instructor and admins (free previews: anyone signed in).',
  })
  async body(@Root() lecture: Lecture, @Ctx() ctx: LearningContext) {
    const course = await ctx.loaders.course.load(lecture.courseId);
    if (!course || !mayOpen(ctx.viewer, course, lecture, await ctx.loaders.enrollment.load(course.id))) return null;
    return lecture.body;
  }

  @FieldResolver(() => LectureVideo, {
    nullable: true,
    description: 'Null for an article or before a video is attached.',
  })
  async video(@Root() lecture: Lecture, @Ctx() ctx: LearningContext): Promise<LectureVideo | null> {
    if (lecture.kind !== LectureKind.VIDEO || !lecture.videoStatus) return null;
    const course = await ctx.loaders.course.load(lecture.courseId);
    const failureReason = course && mayEdit(ctx.viewer, course) ? lecture.videoFailureReason : null;
    return { status: lecture.videoStatus, progress: Math.floor(lecture.videoProgress * 100), failureReason };
  }

  @Mutation(() => Lecture, { nullable: true, description: 'Added at the end of the section.' })
  addLecture(
    @Arg('sectionId', () => ID) sectionId: string,
    @Arg('input', () => LectureInput) input: LectureInput,
    @Ctx() ctx: LearningContext,
  ) {
    return ctx.services.curriculum.addLecture(requireViewer(ctx.viewer), sectionId, input, ctx.loaders);
  }

  @Mutation(() => Lecture, { nullable: true })
  updateLecture(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => LectureInput) input: LectureInput,
    @Ctx() ctx: LearningContext,
  ) {
    return ctx.services.curriculum.updateLecture(requireViewer(ctx.viewer), id, input, ctx.loaders);
  }

  @Mutation(() => Boolean, { nullable: true })
  removeLecture(@Arg('id', () => ID) id: string, @Ctx() ctx: LearningContext) {
    return ctx.services.curriculum.removeLecture(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => [Lecture], {
    nullable: true,
    description: 'Every lecture of the section, once each, in the new order.',
  })
  reorderLectures(
    @Arg('sectionId', () => ID) sectionId: string,
    @Arg('lectureIds', () => [ID]) lectureIds: string[],
    @Ctx() ctx: LearningContext,
  ) {
    return ctx.services.curriculum.reorderLectures(requireViewer(ctx.viewer), sectionId, lectureIds, ctx.loaders);
  }
}
