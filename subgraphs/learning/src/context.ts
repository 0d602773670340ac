import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { CourseService } from './course.service.js';
import type { CurriculumService } from './curriculum.service.js';
import type { EnrollmentService } from './enrollment.service.js';
import type { LearningLoaders } from './loaders.js';
import type { PlaybackService } from './video/playback.service.js';
import type { ProgressService } from './progress/progress.service.js';
import type { Thumbnails } from './progress/thumbnail.js';
import type { VideoService } from './video/video.service.js';

export interface LearningServices {
  courses: CourseService;
  curriculum: CurriculumService;
  enrollments: EnrollmentService;
  videos: VideoService;
  playback: PlaybackService;
  progress: ProgressService;
  thumbnails: Thumbnails;
}

export type LearningContext = SubgraphContext<LearningServices, LearningLoaders>;
