import { requireViewer } from '@peerlink/platform/auth/viewer';
import { liveDirective } from '@peerlink/platform/graphql/live';
import {
  Arg,
  Ctx,
  Directive,
  Field,
  FieldResolver,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { LearningContext } from '../context.js';
import { Lecture } from '../curriculum.entity.js';

@ObjectType({ description: 'Where to stream a lecture’s video, for a while.' })
export class LecturePlayback {
  @Field({
    description:
      'The HLS master playlist (adaptive: every rendition). Its playlists and segments are signed links that ' +
      'stop working at `expiresAt`, or as soon as you may no longer watch the lecture.',
  })
  url!: string;

  @Field({ description: 'Ask for `playback` again after this.' })
  expiresAt!: Date;
}

@Resolver(() => Lecture)
export class VideoResolver {
  @Query(() => Lecture, {
    nullable: true,
    description: 'One lecture of a course you may see; NOT_FOUND for a video students cannot watch yet.',
  })
  lecture(@Arg('id', () => ID) id: string, @Ctx() ctx: LearningContext) {
    return ctx.services.curriculum.listed(id, ctx.loaders);
  }

  @FieldResolver(() => LecturePlayback, {
    nullable: true,
    description:
      'For the course’s students, its instructor and admins (a free preview: anyone signed in); FORBIDDEN for ' +
      'others. Null until the video is READY, and for an article.',
  })
  playback(@Root() lecture: Lecture, @Ctx() ctx: LearningContext) {
    return ctx.services.playback.playback(requireViewer(ctx.viewer), lecture, ctx.loaders, ctx.client);
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
