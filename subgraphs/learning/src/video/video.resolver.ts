import { requireViewer } from '@peerlink/platform/auth/viewer';
import { liveDirective } from '@peerlink/platform/graphql/live';
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { LearningContext } from '../context.js';
import { Lecture } from '../curriculum.entity.js';

@Resolver(() => Lecture)
export class VideoResolver {
  @Query(() => Lecture, {
    nullable: true,
    description: 'One lecture of a course you may see; NOT_FOUND for a video students cannot watch yet.',
  })
  lecture(@Arg('id', () => ID) id: string, @Ctx() ctx: LearningContext) {
    return ctx.services.curriculum.listed(id, ctx.loaders);
  }

  @Mutation(() => Lecture, {
    nullable: true,
    description:
      'Uses one of your drive files (uploaded through `createUpload`) as the lecture’s video: it is QUEUED, ' +
      'then PROCESSING into adaptive HLS, then READY, or FAILED with a reason. Attaching again replaces it.',
  })
  attachLectureVideo(
    @Arg('lectureId', () => ID) lectureId: string,
    @Arg('fileId', () => ID) fileId: string,
    @Ctx() ctx: LearningContext,
  ) {
    return ctx.services.videos.attach(requireViewer(ctx.viewer), lectureId, fileId, ctx.loaders);
  }

  @Directive(
    liveDirective({
      subject: 'learning.lecture_video.updated',
      lookup: 'lecture',
      key: 'lectureId',
      audience: 'recipientIds',
    }),
  )
  @Subscription(() => Lecture, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description:
      'For a course’s instructor: each of its lectures’ videos as it is queued, processed (with progress), ' +
      'ready or failed.',
  })
  lectureVideoUpdated(@Arg('courseId', () => ID) _courseId: string, @Root() lecture: Lecture) {
    return lecture;
  }
}
