import type { EntityManager } from '@mikro-orm/postgresql';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { holdsRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { rows, table } from '@peerlink/platform/db/sql';
import { badInput, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { isUuid } from '@peerlink/platform/ids';
import { teaches } from '../access.js';
import { Course } from '../course.entity.js';
import { LectureKind } from '../curriculum.entity.js';
import type { LearningLoaders } from '../loaders.js';
import { Certificate } from './certificate.entity.js';
import { type Heartbeat, checkHeartbeat, percentDone, resumePoint, secondsToComplete } from './progress-rules.js';

/** A lecture's progress row as a heartbeat leaves it. */
export interface LectureProgressView {
  lectureId: string;
  positionSeconds: number;
  watchedSeconds: number;
  completedAt: Date | null;
}

export interface CourseProgressView {
  courseId: string;
  completedLectureIds: string[];
  lectureCount: number;
  percent: number;
  timeSpentSeconds: number;
  resume: { lectureId: string; positionSeconds: number } | null;
  completedAt: Date | null;
}

export interface CourseStatsView {
  enrollments: number;
  completions: number;
  completionPercent: number;
  minutesWatched: number;
}

interface LectureAccess {
  course_id: string;
  kind: LectureKind;
  duration_seconds: number | null;
  video_key: string | null;
  instructor_id: string;
  enrollment: string | null;
}

type ProgressRow = {
  lecture_id: string;
  position_seconds: number;
  watched_seconds: number;
  completed_at: Date | string | null;
  just_completed: boolean;
};

const RETURNING = `returning lecture_id, position_seconds, watched_seconds, completed_at,
  coalesce(completed_at = now(), false) as just_completed`;

/**
 * Students' progress through courses. A heartbeat is one read (the lecture, its course and the
 * student's enrollment, joined) and one upsert: no lock, no transaction, no event (announceProgress tells analytics,
 * a batch at a time, what grew). It is idempotent
 * because the player sends what it knows in total, not what changed: `watchedSeconds` is how much of
 * the lecture the student has seen so far, and the row keeps the largest figure ever sent; a repeated
 * or late heartbeat cannot add time twice or move progress back, and one with the same numbers
 * writes nothing. Only a heartbeat that completes a lecture does more: it checks the course, and the
 * last lecture's completes the course in one transaction that makes the certificate and its event.
 */
export class ProgressService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<LearningEvents>,
    /** Where certificates' verification pages are. */
    readonly publicUrl: string,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async record(viewer: Viewer, lectureId: string, heartbeat: Heartbeat): Promise<LectureProgressView> {
    const lecture = await this.studentsLecture(viewer, lectureId);
    if (lecture.kind === LectureKind.ARTICLE)
      throw badInput('An article has nothing to play: mark it read with completeLecture.', 'lectureId');
    if (lecture.video_key === null || !lecture.duration_seconds)
      throw badInput('This lecture’s video is not ready yet.', 'lectureId');
    const { positionSeconds, watchedSeconds } = checkHeartbeat(heartbeat, lecture.duration_seconds);
    const need = secondsToComplete(lecture.duration_seconds);
    const progress = table(this.em, 'lecture_progress');
    // A heartbeat that changes nothing matches no row in the update's `where`, so it writes nothing.
    const [written] = await rows<ProgressRow>(
      this.em,
      `insert into ${progress} as p
         (user_id, lecture_id, course_id, position_seconds, watched_seconds, completed_at, updated_at)
       values (?, ?, ?, ?, ?, case when ?::int >= ?::int then now() end, now())
       on conflict (user_id, lecture_id) do update set
         position_seconds = excluded.position_seconds,
         watched_seconds = greatest(p.watched_seconds, excluded.watched_seconds),
         completed_at = coalesce(p.completed_at,
           case when greatest(p.watched_seconds, excluded.watched_seconds) >= ?::int then now() end),
         updated_at = now()
       where p.position_seconds <> excluded.position_seconds or p.watched_seconds < excluded.watched_seconds
       ${RETURNING}`,
      [viewer.userId, lectureId, lecture.course_id, positionSeconds, watchedSeconds, watchedSeconds, need, need],
    );
    return this.afterWrite(viewer, lectureId, lecture.course_id, written);
  }

  /** Marks an article read; asking again changes nothing. Videos complete by being watched. */
  async completeLecture(viewer: Viewer, lectureId: string): Promise<LectureProgressView> {
    const lecture = await this.studentsLecture(viewer, lectureId);
    if (lecture.kind !== LectureKind.ARTICLE)
      throw badInput('A video completes once most of it is watched (recordProgress).', 'lectureId');
    const progress = table(this.em, 'lecture_progress');
    const [written] = await rows<ProgressRow>(
      this.em,
      `insert into ${progress} as p
         (user_id, lecture_id, course_id, position_seconds, watched_seconds, completed_at, updated_at)
       values (?, ?, ?, 0, ?, now(), now())
       on conflict (user_id, lecture_id) do update set completed_at = now(), updated_at = now()
       where p.completed_at is null
       ${RETURNING}`,
      [viewer.userId, lectureId, lecture.course_id, lecture.duration_seconds ?? 0],
    );
    // Marking read is rare, so it always checks the course: that also finishes a completion a crash cut short.
    return this.afterWrite(viewer, lectureId, lecture.course_id, written, true);
  }

  /** The viewer's progress in a course they are or were enrolled in; null otherwise. */
  async ofCourse(viewer: Viewer | null, course: Course, loaders: LearningLoaders): Promise<CourseProgressView | null> {
    if (!viewer) return null;
    const enrollment = await loaders.enrollment.load(course.id);
    if (!enrollment) return null;
    const lectureIds = (await loaders.listedLectures(course)).map((l) => l.id);
    const marks = (await loaders.viewerProgress.load(course.id)).filter((m) => lectureIds.includes(m.lectureId));
    const completedLectureIds = lectureIds.filter((id) => marks.some((m) => m.lectureId === id && m.completedAt));
    return {
      courseId: course.id,
      completedLectureIds,
      lectureCount: lectureIds.length,
      // Lectures added after completion do not take the finish away.
      percent: enrollment.completedAt ? 100 : percentDone(completedLectureIds.length, lectureIds.length),
      timeSpentSeconds: marks.reduce((sum, m) => sum + m.watchedSeconds, 0),
      resume: resumePoint(
        lectureIds,
        marks.map((m) => ({ ...m, completed: m.completedAt !== null })),
      ),
      completedAt: enrollment.completedAt,
    };
  }

  /** Its instructor's and admins' figures for a course; null for anyone else. */
  async stats(viewer: Viewer | null, course: Course): Promise<CourseStatsView | null> {
    if (!teaches(viewer, course) && !holdsRole(viewer, 'ADMIN')) return null;
    const [counts] = await rows<{ enrollments: number; completions: number; seconds: string }>(
      this.em,
      `select count(*)::int as enrollments, count(e.completed_at)::int as completions,
         (select coalesce(sum(watched_seconds), 0) from ${table(this.em, 'lecture_progress')} where course_id = ?)
           as seconds
       from ${table(this.em, 'enrollments')} e where e.course_id = ?`,
      [course.id, course.id],
    );
    return {
      enrollments: counts.enrollments,
      completions: counts.completions,
      completionPercent: percentDone(counts.completions, counts.enrollments),
      minutesWatched: Math.floor(Number(counts.seconds) / 60),
    };
  }

  /** A drawn certificate, for anyone who has its id. */
  async certificate(id: string): Promise<Certificate> {
    // Like every lookup by id, a malformed one is simply not found.
    const found = isUuid(id) && (await this.em.findOne(Certificate, { id, pdfKey: { $ne: null } }, { refresh: true }));
    if (!found) throw notFound('Certificate');
    return found;
  }

  /**
   * Tells analytics the watched time that grew since it was last told (`learning.progress.recorded`, one event per
   * student and lecture with the lecture's new total), a batch at a time, each batch with its events in one
   * transaction. Run every LEARNING_PROGRESS_ANNOUNCE_SECONDS: a heartbeat itself publishes nothing, so a player
   * beating every few seconds costs one upsert, and a student's minutes reach the reports within that interval.
   * Rows another announcer holds are skipped.
   */
  async announceProgress(batch = 500): Promise<number> {
    let told = 0;
    for (;;) {
      const grown = await this.outbox.transaction(async (em, publish) => {
        const progress = table(em, 'lecture_progress');
        const found = await rows<{
          user_id: string;
          lecture_id: string;
          course_id: string;
          instructor_id: string;
          watched_seconds: number;
        }>(
          em,
          `with grown as (
             select user_id, lecture_id from ${progress} where watched_seconds > announced_seconds
             limit ? for update skip locked
           )
           update ${progress} p set announced_seconds = p.watched_seconds
           from grown, ${table(em, 'courses')} c
           where p.user_id = grown.user_id and p.lecture_id = grown.lecture_id and c.id = p.course_id
           returning p.user_id, p.lecture_id, p.course_id, c.instructor_id, p.watched_seconds`,
          [batch],
        );
        for (const row of found)
          publish('learning.progress.recorded', {
            userId: row.user_id,
            lectureId: row.lecture_id,
            courseId: row.course_id,
            instructorId: row.instructor_id,
            watchedSeconds: row.watched_seconds,
          });
        return found.length;
      });
      told += grown;
      if (grown < batch) return told;
    }
  }

  /** The lecture, its course and the viewer's enrollment in one read; only its students may go on. */
  private async studentsLecture(viewer: Viewer, lectureId: string): Promise<LectureAccess> {
    if (!isUuid(lectureId)) throw notFound('Lecture');
    const [lecture] = await rows<LectureAccess>(
      this.em,
      `select l.course_id, l.kind, l.duration_seconds, l.video_key, c.instructor_id, e.status as enrollment
       from ${table(this.em, 'lectures')} l join ${table(this.em, 'courses')} c on c.id = l.course_id
       left join ${table(this.em, 'enrollments')} e on e.course_id = l.course_id and e.user_id = ?
       where l.id = ?`,
      [viewer.userId, lectureId],
    );
    if (!lecture) throw notFound('Lecture');
    if (lecture.instructor_id === viewer.userId) throw forbidden('You teach this course: progress is for students.');
    if (lecture.enrollment !== 'ACTIVE') throw forbidden('Only students enrolled in the course record progress.');
    return lecture;
  }

  private async afterWrite(
    viewer: Viewer,
    lectureId: string,
    courseId: string,
    written: ProgressRow | undefined,
    checkCourse = false,
  ): Promise<LectureProgressView> {
    // Nothing written: the heartbeat repeated one already recorded; answer with the row as it is.
    const row =
      written ??
      (
        await rows<ProgressRow>(
          this.em,
          `select lecture_id, position_seconds, watched_seconds, completed_at, false as just_completed
           from ${table(this.em, 'lecture_progress')} where user_id = ? and lecture_id = ?`,
          [viewer.userId, lectureId],
        )
      )[0]!;
    if (row.just_completed || (checkCourse && row.completed_at !== null))
      await this.completeCourseIfDone(viewer.userId, courseId);
    return {
      lectureId: row.lecture_id,
      positionSeconds: row.position_seconds,
      watchedSeconds: row.watched_seconds,
      // Raw rows may carry the timestamp as text.
      completedAt: row.completed_at === null ? null : new Date(row.completed_at),
    };
  }

  /**
   * The course completes when every lecture students see is done. Each lecture's row is committed
   * before its check runs, so of two lectures finishing at once the later check sees both; the
   * conditional update makes sure only one check completes the course and makes its certificate. A
   * stop between a lecture's row and this check is made good by the next `completeLecture`.
   */
  private async completeCourseIfDone(userId: string, courseId: string) {
    await this.outbox.transaction(async (em, publish) => {
      const [count] = await rows<{ total: number; missing: number }>(
        em,
        `select count(*)::int as total, count(*) filter (where p.completed_at is null)::int as missing
         from ${table(em, 'lectures')} l
         left join ${table(em, 'lecture_progress')} p on p.lecture_id = l.id and p.user_id = ?
         where l.course_id = ? and (l.kind = 'ARTICLE' or l.video_key is not null)`,
        [userId, courseId],
      );
      if (!count.total || count.missing) return;
      const [enrollment] = await rows<{ id: string }>(
        em,
        `update ${table(em, 'enrollments')} set completed_at = now()
         where course_id = ? and user_id = ? and status = 'ACTIVE' and completed_at is null returning id`,
        [courseId, userId],
      );
      if (!enrollment) return;
      const course = await em.findOneOrFail(Course, courseId, { refresh: true });
      const certificate = em.create(Certificate, {
        userId,
        courseId,
        instructorId: course.instructorId,
        courseTitle: course.title,
        issuedAt: new Date(),
      });
      publish('learning.course.completed', {
        enrollmentId: enrollment.id,
        certificateId: certificate.id,
        courseId,
        userId,
        instructorId: course.instructorId,
        courseTitle: course.title,
      });
    });
  }
}
