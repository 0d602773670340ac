import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { byKey, validIds } from '@peerlink/platform/db/sql';
import DataLoader from 'dataloader';
import { holdsRole } from '@peerlink/platform/auth/roles';
import { maySee, teaches } from './access.js';
import { Course } from './course.entity.js';
import { Lecture, LectureKind, Section } from './curriculum.entity.js';
import { Enrollment } from './enrollment.entity.js';
import { Certificate } from './progress/certificate.entity.js';
import { LectureProgress } from './progress/progress.entity.js';

const grouped = <T>(keys: readonly string[], found: T[], keyOf: (row: T) => string) =>
  keys.map((key) => found.filter((row) => keyOf(row) === key.toLowerCase()));

/** What a request reads about courses, batched per request. */
export class LearningLoaders {
  constructor(
    private readonly em: EntityManager,
    readonly viewer: Viewer | null,
  ) {}

  readonly course = new DataLoader<string, Course | null>(async (ids) =>
    byKey(ids, await this.em.find(Course, { id: { $in: validIds(ids) } }, { refresh: true }), (c) => c.id),
  );

  readonly courseByProduct = new DataLoader<string, Course | null>(async (ids) =>
    byKey(
      ids,
      await this.em.find(Course, { productId: { $in: validIds(ids) } }, { refresh: true }),
      (c) => c.productId ?? '',
    ),
  );

  /** Each course's sections in order. */
  readonly sections = new DataLoader<string, Section[]>(async (courseIds) =>
    grouped(
      courseIds,
      await this.em.find(Section, { courseId: { $in: validIds(courseIds) } }, { orderBy: { position: 'asc' } }),
      (s) => s.courseId,
    ),
  );

  /** Each course's lectures, section by section in order. */
  readonly lectures = new DataLoader<string, Lecture[]>(async (courseIds) => {
    const found = await this.em.find(Lecture, { courseId: { $in: validIds(courseIds) } }, { refresh: true });
    const sections = await this.sections.loadMany(courseIds);
    return courseIds.map((courseId, i) => {
      const order = new Map((sections[i] as Section[]).map((s) => [s.id, s.position]));
      return found
        .filter((l) => l.courseId === courseId.toLowerCase())
        .sort((a, b) => (order.get(a.sectionId) ?? 0) - (order.get(b.sectionId) ?? 0) || a.position - b.position);
    });
  });

  readonly lecture = new DataLoader<string, Lecture | null>(async (ids) =>
    byKey(ids, await this.em.find(Lecture, { id: { $in: validIds(ids) } }, { refresh: true }), (l) => l.id),
  );

  /** The viewer's enrollment in each course, ended ones included. */
  readonly enrollment = new DataLoader<string, Enrollment | null>(async (courseIds) => {
    if (!this.viewer) return courseIds.map(() => null);
    const found = await this.em.find(
      Enrollment,
      { courseId: { $in: validIds(courseIds) }, userId: this.viewer.userId },
      { refresh: true },
    );
    return byKey(courseIds, found, (e) => e.courseId);
  });

  /** The viewer's progress rows in each course. */
  readonly viewerProgress = new DataLoader<string, LectureProgress[]>(async (courseIds) => {
    if (!this.viewer) return courseIds.map(() => []);
    const found = await this.em.find(
      LectureProgress,
      { courseId: { $in: validIds(courseIds) }, userId: this.viewer.userId },
      { refresh: true },
    );
    return grouped(courseIds, found, (p) => p.courseId);
  });

  /** The viewer's certificate for each course, once its PDF is drawn. */
  readonly viewerCertificate = new DataLoader<string, Certificate | null>(async (courseIds) => {
    if (!this.viewer) return courseIds.map(() => null);
    const found = await this.em.find(
      Certificate,
      { courseId: { $in: validIds(courseIds) }, userId: this.viewer.userId, pdfKey: { $ne: null } },
      { refresh: true },
    );
    return byKey(courseIds, found, (c) => c.courseId);
  });

  /**
   * The course's lectures as the viewer sees them listed: its instructor and admins see every one;
   * others not a video that has never been ready (a replacement being processed keeps the older one).
   */
  async listedLectures(course: Course): Promise<Lecture[]> {
    const all = await this.lectures.load(course.id);
    if (teaches(this.viewer, course) || holdsRole(this.viewer, 'ADMIN')) return all;
    return all.filter((l) => l.kind !== LectureKind.VIDEO || l.videoKey !== null);
  }

  /** The course, if the viewer may see it. */
  async visibleCourse(id: string): Promise<Course | null> {
    const course = await this.course.load(id);
    return course && maySee(this.viewer, course, await this.enrollment.load(course.id)) ? course : null;
  }
}
