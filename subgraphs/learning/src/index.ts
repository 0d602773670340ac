import type { LearningEvents } from '@peerlink/contracts/learning';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import type { LearningServices } from './context.js';
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

/** Courses of video lectures and articles: instructors publish them, students enroll, free or by purchase. */
export const learning: SubgraphDefinition<LearningServices, LearningLoaders> = {
  name: 'learning',
  entities: [Course, Section, Lecture, Enrollment],
  migrations,
  resolvers: [CourseResolver, SectionResolver, LectureResolver, LearningUserResolver, EnrollmentResolver],
  references: {
    User: (reference: { id: string }) => userRef(reference.id),
    Course: (reference: { id: string }, ctx: { loaders: LearningLoaders }) => ctx.loaders.visibleCourse(reference.id),
  },

  async start({ bus, logger }, orm) {
    const outbox = new Outbox<LearningEvents>(orm, bus, logger);
    const courses = new CourseService(orm, outbox);
    const curriculum = new CurriculumService(orm, courses);
    const enrollments = new EnrollmentService(orm, outbox, courses);
    return {
      services: { courses, curriculum, enrollments },
      createLoaders: (viewer) => new LearningLoaders(orm.em as never, viewer),
      async stop() {
        await outbox.close();
      },
    };
  },
};

export type { LearningServices } from './context.js';
