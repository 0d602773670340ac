import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { conflict, forbidden } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { decodeCursor, olderThan, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { teaches } from './access.js';
import { type Course, CourseStatus } from './course.entity.js';
import type { CourseService } from './course.service.js';
import { locked } from './course.service.js';
import { Enrollment, EnrollmentSource, EnrollmentStatus } from './enrollment.entity.js';
import type { LearningLoaders } from './loaders.js';

/** Students' places in courses: free courses by `enroll`, paid ones when their order is paid. */
export class EnrollmentService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<LearningEvents>,
    private readonly courses: CourseService,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** Joins a free, published course; asking again returns the same enrollment. */
  async enroll(viewer: Viewer, courseId: string, loaders: LearningLoaders): Promise<Enrollment> {
    const course = await this.courses.visible(courseId, loaders);
    if (teaches(viewer, course)) throw conflict('You teach this course; you need no enrollment.', 'courseId');
    if (course.status !== CourseStatus.PUBLISHED) throw conflict('This course takes no new students.', 'courseId');
    if (!course.free) throw forbidden('This course is sold in the marketplace: buy its product to enroll.');
    return this.outbox.transaction((em, publish) => this.admit(em, publish, course.id, viewer.userId, null));
  }

  /**
   * Admits `userId` (idempotent: an active enrollment stays as it is, an ended one reopens). Counts
   * and announces only a new one.
   */
  async admit(
    em: EntityManager,
    publish: Publish<LearningEvents>,
    courseId: string,
    userId: string,
    orderId: string | null,
  ): Promise<Enrollment> {
    const course: Course = await locked(em, courseId);
    const existing = await em.findOne(Enrollment, { courseId, userId }, { refresh: true });
    if (existing?.status === EnrollmentStatus.ACTIVE) return existing;
    const source = orderId ? EnrollmentSource.PURCHASE : EnrollmentSource.FREE;
    const enrollment =
      existing ?? em.create(Enrollment, { courseId, userId, source, orderId, status: EnrollmentStatus.ACTIVE });
    Object.assign(enrollment, { source, orderId, status: EnrollmentStatus.ACTIVE, endedAt: null });
    if (!existing) enrollment.createdAt = new Date();
    course.enrollmentCount += 1;
    publish('learning.enrollment.created', {
      enrollmentId: enrollment.id,
      courseId,
      userId,
      instructorId: course.instructorId,
      courseTitle: course.title,
      source,
    });
    return enrollment;
  }

  /** The viewer's enrollments, newest first; ended ones too, so a refunded student sees why. */
  async mine(viewer: Viewer, first?: number | null, after?: string | null) {
    const size = pageSize(first);
    const found = await this.em.find(
      Enrollment,
      { userId: viewer.userId, ...olderThan(decodeCursor(after)) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1, refresh: true },
    );
    return toConnection(found, size, { after });
  }
}
