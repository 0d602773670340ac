import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { CourseService } from './course.service.js';
import type { CurriculumService } from './curriculum.service.js';
import type { EnrollmentService } from './enrollment.service.js';
import type { LearningLoaders } from './loaders.js';

export interface LearningServices {
  courses: CourseService;
  curriculum: CurriculumService;
  enrollments: EnrollmentService;
}

export type LearningContext = SubgraphContext<LearningServices, LearningLoaders>;
