import type { EntityManager } from '@mikro-orm/postgresql';
import type { DriveEvents } from '@peerlink/contracts/drive';
import type { LearningEvents } from '@peerlink/contracts/learning';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput } from '@peerlink/platform/errors';
import type { EventBus } from '@peerlink/platform/events/event-bus';
import type { HandlerContext } from '@peerlink/platform/events/consumer';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { isUuid, uuidv7 } from '@peerlink/platform/ids';
import { Course } from '../course.entity.js';
import { locked } from '../course.service.js';
import { Lecture, LectureKind, VideoStatus } from '../curriculum.entity.js';
import type { CurriculumService } from '../curriculum.service.js';
import type { LearningLoaders } from '../loaders.js';

/** What a finished transcode leaves in object storage, under the job's prefix. */
export interface TranscodedVideo {
  durationSeconds: number;
  prefix: string;
}

/**
 * A lecture's video from upload to READY. `attach` asks drive for the file; drive's answer queues a
 * transcode on learning's own durable queue (the event bus); the transcoder (transcode-worker.ts)
 * claims the job here, reports progress, and records the outcome. Each step is a short transaction;
 * FFmpeg runs between them with none open. A job replaced by a newer attachment is ignored at every
 * step, so a late result never overwrites a newer video.
 */
export class VideoService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<LearningEvents>,
    private readonly bus: EventBus,
    private readonly curriculum: CurriculumService,
  ) {}

  async attach(viewer: Viewer, lectureId: string, fileId: string, loaders: LearningLoaders): Promise<Lecture> {
    const seen = await this.curriculum.lecture(viewer, lectureId, loaders);
    if (seen.kind !== LectureKind.VIDEO) throw badInput('Only a video lecture takes a video.', 'lectureId');
    if (!isUuid(fileId)) throw badInput('Name one of your drive files by its id.', 'fileId');
    return this.outbox.transaction(async (em, publish) => {
      await locked(em, seen.courseId);
      const lecture = await em.findOneOrFail(Lecture, seen.id, { refresh: true });
      Object.assign(lecture, {
        videoFileId: fileId.toLowerCase(),
        videoJobId: uuidv7(),
        videoStatus: VideoStatus.QUEUED,
        videoProgress: 0,
        videoFailureReason: null,
        videoAttempts: 0,
        updatedAt: new Date(),
      });
      publish('learning.video.source_requested', {
        jobId: lecture.videoJobId!,
        lectureId: lecture.id,
        fileId: lecture.videoFileId!,
        ownerId: viewer.userId,
      });
      await this.changed(em, publish, lecture);
      return lecture;
    });
  }

  /** Drive's answer: the source is queued for the transcoder, or the lecture FAILED with drive's reason. */
  async sourceChecked(
    answer: DriveEvents['drive.video_source.checked'],
    { em, publish }: Pick<HandlerContext<LearningEvents>, 'em' | 'publish'>,
  ) {
    const lecture = await em.findOne(Lecture, { id: answer.lectureId, videoJobId: answer.jobId });
    if (!lecture || lecture.videoStatus !== VideoStatus.QUEUED) return;
    if (!answer.source) return this.fail(em, publish, lecture, answer.refusal ?? 'The file cannot be used.');
    publish('learning.video.transcode_requested', {
      jobId: answer.jobId,
      lectureId: lecture.id,
      courseId: lecture.courseId,
      storageKey: answer.source.storageKey,
      fileName: answer.source.name,
    });
  }

  /**
   * Takes the job for one try: PROCESSING, its tries counted. Null when there is nothing to do: the
   * lecture has a newer job, or this one already ended (a redelivered event).
   */
  async claim(jobId: string, lectureId: string): Promise<Lecture | null> {
    return this.outbox.transaction(async (em, publish) => {
      const lecture = await em.findOne(Lecture, { id: lectureId, videoJobId: jobId }, { refresh: true });
      if (!lecture || (lecture.videoStatus !== VideoStatus.QUEUED && lecture.videoStatus !== VideoStatus.PROCESSING))
        return null;
      await locked(em, lecture.courseId);
      Object.assign(lecture, { videoStatus: VideoStatus.PROCESSING, videoProgress: 0 });
      lecture.videoAttempts += 1;
      await this.changed(em, publish, lecture);
      return lecture;
    });
  }

  /** Progress while FFmpeg works: one statement, and a live signal (not stored: the next one supersedes it). */
  async progress(lecture: Lecture, fraction: number) {
    const em = this.orm.em.fork() as EntityManager;
    const updated = await em.nativeUpdate(
      Lecture,
      { id: lecture.id, videoJobId: lecture.videoJobId, videoStatus: VideoStatus.PROCESSING },
      { videoProgress: fraction },
    );
    if (updated) await this.bus.signal('learning.lecture_video.updated', await this.payload(em, lecture));
  }

  async ready(lecture: Lecture, video: TranscodedVideo): Promise<boolean> {
    return this.outbox.transaction(async (em, publish) => {
      await locked(em, lecture.courseId);
      const current = await em.findOne(Lecture, { id: lecture.id, videoJobId: lecture.videoJobId }, { refresh: true });
      if (!current || current.videoStatus !== VideoStatus.PROCESSING) return false;
      Object.assign(current, {
        videoStatus: VideoStatus.READY,
        videoProgress: 1,
        videoKey: video.prefix,
        durationSeconds: Math.max(1, Math.round(video.durationSeconds)),
        updatedAt: new Date(),
      });
      await this.changed(em, publish, current);
      return true;
    });
  }

  /** The job ended without a video; `reason` is shown to the instructor. */
  async failed(lecture: Lecture, reason: string) {
    await this.outbox.transaction(async (em, publish) => {
      await locked(em, lecture.courseId);
      const current = await em.findOne(Lecture, { id: lecture.id, videoJobId: lecture.videoJobId }, { refresh: true });
      if (current && current.videoStatus !== VideoStatus.READY && current.videoStatus !== VideoStatus.FAILED)
        await this.fail(em, publish, current, reason);
    });
  }

  private async fail(em: EntityManager, publish: Publish<LearningEvents>, lecture: Lecture, reason: string) {
    Object.assign(lecture, { videoStatus: VideoStatus.FAILED, videoFailureReason: reason, updatedAt: new Date() });
    await this.changed(em, publish, lecture);
    // Durable, unlike the live update: the instructor hears of it even if nobody was watching the course.
    const course = await em.findOneOrFail(Course, lecture.courseId);
    publish('learning.lecture_video.failed', {
      lectureId: lecture.id,
      courseId: course.id,
      instructorId: course.instructorId,
      lectureTitle: lecture.title,
      courseTitle: course.title,
      reason,
    });
  }

  /** The lecture's video moved: its instructor's `lectureVideoUpdated` hears of it. */
  private async changed(em: EntityManager, publish: Publish<LearningEvents>, lecture: Lecture) {
    publish('learning.lecture_video.updated', await this.payload(em, lecture));
  }

  private async payload(em: EntityManager, lecture: Lecture) {
    const course = await em.findOneOrFail(Course, lecture.courseId);
    return { id: uuidv7(), lectureId: lecture.id, courseId: lecture.courseId, recipientIds: [course.instructorId] };
  }
}
