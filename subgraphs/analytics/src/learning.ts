import type { EntityManager } from '@mikro-orm/postgresql';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { table } from '@peerlink/platform/db/sql';
import type { LoggedEvent, ReadModel } from './read-model.js';

/**
 * What the learning reports hear from learning (course titles and revenue come from the sales read models, which
 * hear the courses published and the course lines of paid orders).
 */
export type LearningAnalyticsEvents = Pick<
  LearningEvents,
  | 'learning.enrollment.created'
  | 'learning.enrollment.ended'
  | 'learning.course.completed'
  | 'learning.progress.recorded'
>;

/** Watched time is kept per quarter hour, so days in any time zone (offsets of :30 and :45 too) add up whole. */
export const SLOT_MS = 15 * 60_000;

/**
 * Enrollments, their ends and completions, and watched time, keyed so that the same event told twice, or events told
 * out of order, leave the same rows: enrollments by event id (a reopened enrollment is announced again under its id),
 * a completion by its enrollment, and watched time as the largest running total per student, lecture and quarter
 * hour.
 */
export const learning: ReadModel<LearningAnalyticsEvents> = {
  kept: {
    'learning.enrollment.created': [
      'enrollmentId',
      'courseId',
      'userId',
      'instructorId',
      'courseTitle',
      'source',
      'orderId',
    ],
    'learning.enrollment.ended': ['enrollmentId', 'courseId', 'userId', 'instructorId', 'orderId'],
    'learning.course.completed': ['enrollmentId', 'courseId', 'userId', 'instructorId', 'courseTitle'],
    'learning.progress.recorded': ['userId', 'lectureId', 'courseId', 'instructorId', 'watchedSeconds'],
  },
  tables: ['learning_facts', 'watch_slots'],
  fold: {
    'learning.enrollment.created': (em, e, event) =>
      learningFact(em, event, `enrolled:${event.id}`, 'ENROLLED', e, {
        source: e.source,
        orderId: e.orderId ?? null,
        courseTitle: e.courseTitle,
      }),
    'learning.enrollment.ended': (em, e, event) =>
      learningFact(em, event, `ended:${event.id}`, 'ENDED', e, { source: 'PURCHASE', orderId: e.orderId }),
    'learning.course.completed': (em, e, event) =>
      learningFact(em, event, `completed:${e.enrollmentId}`, 'COMPLETED', e, { courseTitle: e.courseTitle }),
    'learning.progress.recorded': (em, e, event) =>
      em.execute(
        `insert into ${table(em, 'watch_slots')} as w
           (user_id, lecture_id, slot, course_id, instructor_id, watched_seconds, last_event_at)
         values (?, ?, ?, ?, ?, ?, ?)
         on conflict (user_id, lecture_id, slot) do update set
           watched_seconds = greatest(w.watched_seconds, excluded.watched_seconds),
           last_event_at = greatest(w.last_event_at, excluded.last_event_at)`,
        [
          e.userId,
          e.lectureId,
          new Date(Math.floor(event.occurredAt.getTime() / SLOT_MS) * SLOT_MS),
          e.courseId,
          e.instructorId,
          e.watchedSeconds,
          event.occurredAt,
        ],
      ),
  },
};

function learningFact(
  em: EntityManager,
  event: LoggedEvent,
  key: string,
  kind: 'ENROLLED' | 'ENDED' | 'COMPLETED',
  e: { enrollmentId: string; courseId: string; userId: string; instructorId: string },
  more: { source?: string; orderId?: string | null; courseTitle?: string },
) {
  return em.execute(
    `insert into ${table(em, 'learning_facts')} (key, kind, enrollment_id, course_id, user_id, instructor_id, source,
       order_id, course_title, occurred_at, event_id)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (key) do nothing`,
    [
      key,
      kind,
      e.enrollmentId,
      e.courseId,
      e.userId,
      e.instructorId,
      more.source ?? null,
      more.orderId ?? null,
      more.courseTitle ?? null,
      event.occurredAt,
      event.id,
    ],
  );
}
