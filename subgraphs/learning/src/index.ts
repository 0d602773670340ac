import { randomBytes } from 'node:crypto';
import type { LearningEvents } from '@peerlink/contracts/learning';
import type { DriveEvents } from '@peerlink/contracts/drive';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { marketplaceEventHandlers } from './marketplace-events.handler.js';
import { CourseProductResolver, ProductCourseResolver, productRef } from './product.resolver.js';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import { learningConfig, type LearningConfig } from './config.js';
import type { LearningServices } from './context.js';
import { videoBinaries } from './video/ffmpeg.js';
import { mediaRoutes } from './video/media-routes.js';
import { PlaybackLinks } from './video/playback-links.js';
import { PlaybackService } from './video/playback.service.js';
import { TranscodeWorker } from './video/transcode-worker.js';
import { Transcoder } from './video/transcoder.js';
import { VideoResolver } from './video/video.resolver.js';
import { VideoService } from './video/video.service.js';
import { Course } from './course.entity.js';
import { CourseResolver } from './course.resolver.js';
import { CourseService } from './course.service.js';
import { Lecture, Section } from './curriculum.entity.js';
import { LectureResolver, SectionResolver } from './curriculum.resolver.js';
import { CurriculumService } from './curriculum.service.js';
import { Enrollment } from './enrollment.entity.js';
import { EnrollmentService } from './enrollment.service.js';
import { LearningLoaders } from './loaders.js';
import { migrations } from './migrations/index.js';
import { EnrollmentResolver, LearningUserResolver, userRef } from './user.resolver.js';
import { Certificate } from './progress/certificate.entity.js';
import { CertificateWorker } from './progress/certificate-worker.js';
import { identityEventHandlers } from './progress/identity-events.handler.js';
import { Learner, LectureProgress } from './progress/progress.entity.js';
import {
  CertificateResolver,
  CourseProgressResolver,
  ProgressResolver,
  ResumePointResolver,
} from './progress/progress.resolver.js';
import { ProgressService } from './progress/progress.service.js';
import { Thumbnails } from './progress/thumbnail.js';

/** Courses of video lectures and articles: instructors publish them, students enroll, free or by purchase. */
export const learning: SubgraphDefinition<LearningServices, LearningLoaders, LearningConfig> = {
  name: 'learning',
  config: learningConfig,
  entities: [Course, Section, Lecture, Enrollment, LectureProgress, Certificate, Learner],
  migrations,
  resolvers: [
    CourseResolver,
    SectionResolver,
    LectureResolver,
    VideoResolver,
    LearningUserResolver,
    EnrollmentResolver,
    ProductCourseResolver,
    CourseProductResolver,
    ProgressResolver,
    ResumePointResolver,
    CertificateResolver,
    CourseProgressResolver,
  ],
  references: {
    User: (reference: { id: string }) => userRef(reference.id),
    Course: (reference: { id: string }, ctx: { loaders: LearningLoaders }) => ctx.loaders.visibleCourse(reference.id),
    Product: (reference: { id: string }) => productRef(reference.id),
  },

  async start({ bus, cache, config, logger, storage }, orm, settings) {
    const outbox = new Outbox<LearningEvents>(orm, bus, logger);
    const courses = new CourseService(orm, outbox);
    const curriculum = new CurriculumService(orm, courses);
    const enrollments = new EnrollmentService(orm, outbox, courses);
    const videos = new VideoService(orm, outbox, bus, curriculum);
    const secret = settings.LEARNING_MEDIA_SECRET ? Buffer.from(settings.LEARNING_MEDIA_SECRET) : randomBytes(32);
    const playback = new PlaybackService(orm, storage, cache, new PlaybackLinks(secret), {
      seconds: settings.LEARNING_PLAYBACK_SECONDS,
      publicBaseUrl: config.FILES_PUBLIC_URL,
    });
    const transcoder = new Transcoder(videoBinaries({ ...process.env, ...settings }), {
      timeoutSeconds: settings.LEARNING_TRANSCODE_TIMEOUT_MS / 1000,
    });
    const worker = new TranscodeWorker(
      bus,
      storage,
      videos,
      transcoder,
      {
        concurrency: settings.LEARNING_TRANSCODE_CONCURRENCY,
        maxDurationSeconds: settings.LEARNING_MAX_VIDEO_SECONDS,
        maxAttempts: config.EVENT_MAX_ATTEMPTS,
      },
      logger,
    );
    const progress = new ProgressService(orm, outbox, config.publicUrl);
    const certificates = new CertificateWorker(orm, outbox, bus, storage, config.publicUrl);
    const stopConsuming = await consumeEvents<DriveEvents & MarketplaceEvents & IdentityEvents, LearningEvents>({
      bus,
      outbox,
      consumer: 'learning',
      handlers: {
        'drive.video_source.checked': (answer, context) => videos.sourceChecked(answer, context),
        ...marketplaceEventHandlers(enrollments),
        ...identityEventHandlers(),
      },
      logger,
    });
    const stopTranscoding = await worker.start();
    const stopCertificates = await certificates.start();
    const announcer = new Repeating(
      'progress announcer',
      settings.LEARNING_PROGRESS_ANNOUNCE_SECONDS * 1000,
      () => progress.announceProgress(),
      logger,
    ).start();
    return {
      services: { courses, curriculum, enrollments, videos, playback, progress, thumbnails: new Thumbnails(storage) },
      routes: { '/media': mediaRoutes(playback, logger) },
      createLoaders: (viewer) => new LearningLoaders(orm.em as never, viewer),
      async stop() {
        await announcer.stop();
        await stopTranscoding();
        await stopCertificates();
        await stopConsuming();
        await outbox.close();
      },
    };
  },
};

export type { LearningServices } from './context.js';
// The end-to-end specs make and probe videos with the same binaries learning runs, read playlists as it
// writes them, and sign an expired playback link as it would.
export { videoBinaries };
export { parsePlaylist } from './video/hls.js';
export { PlaybackLinks } from './video/playback-links.js';
