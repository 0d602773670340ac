import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { conflict, forbidden } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { decodeCursor, olderThan, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import { lockKey, rows, table } from '@peerlink/platform/db/sql';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { teaches } from './access.js';
import { Course, CourseStatus } from './course.entity.js';
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
      orderId,
    });
    return enrollment;
  }

  /**
   * A paid order (PAID onwards) of courses from `sellerId` enrolls its buyer in each that seller
   * teaches. Told again (shipped, delivered, redelivered) it changes nothing; an order that ended
   * first (told out of order) enrolls nobody.
   */
  async purchased(
    em: EntityManager,
    publish: Publish<LearningEvents>,
    order: { orderId: string; buyerId: string; sellerId: string; courseIds: string[] },
  ) {
    await lockKey(em, `purchase:${order.orderId}`);
    const ended = await rows(em, `select 1 from ${table(em, 'ended_purchases')} where order_id = ?`, [order.orderId]);
    if (ended.length) return;
    const courses = await em.find(Course, { id: { $in: order.courseIds }, instructorId: order.sellerId });
    for (const course of courses) await this.admit(em, publish, course.id, order.buyerId, order.orderId);
  }

  /** The order was cancelled or refunded in full: what it paid for closes, and stays closed. */
  async purchaseEnded(em: EntityManager, publish: Publish<LearningEvents>, orderId: string) {
    await lockKey(em, `purchase:${orderId}`);
    await em.execute(`insert into ${table(em, 'ended_purchases')} (order_id) values (?) on conflict do nothing`, [
      orderId,
    ]);
    const paid = await em.find(Enrollment, { orderId, status: EnrollmentStatus.ACTIVE }, { refresh: true });
    for (const enrollment of paid) {
      const course = await locked(em, enrollment.courseId);
      course.enrollmentCount = Math.max(0, course.enrollmentCount - 1);
      Object.assign(enrollment, { status: EnrollmentStatus.ENDED, endedAt: new Date() });
      publish('learning.enrollment.ended', {
        enrollmentId: enrollment.id,
        courseId: enrollment.courseId,
        userId: enrollment.userId,
        instructorId: course.instructorId,
        orderId,
      });
    }
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
