import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { rows, table, uuidArray } from '@peerlink/platform/db/sql';
import { bounds, endOf, PERIOD_END, PERIOD_START, type Period, startOf } from './period.js';
import { IN_PERIOD, latest, numbers } from './report.service.js';

/** Rows summed three ways at once: per day and course, per course, in all (null where a set leaves a column out). */
const PER_DAY_COURSE_AND_ALL = 'group by grouping sets ((date, course_id), (course_id), ())';

export interface Money {
  amount: number;
  currency: string;
}

export interface InstructorFigures {
  enrollments: number;
  endedEnrollments: number;
  completions: number;
  completionPercent: number;
  secondsWatched: number;
  minutesWatched: number;
  revenue: Money[];
}

/** One row of the three-way sums: `date` and `courseId` null in the wider sums. */
type Summed<T> = T & { date: string | null; course_id: string | null; last: Date | string | null };

/**
 * Time watched, per day (in the period's zone) and course, from the running totals per quarter hour: what a
 * quarter hour adds is its largest total less the largest before it, so a late or repeated event adds nothing.
 */
function watchedSql(em: EntityManager, who: 'instructor_id' | 'user_id') {
  return `with grown as (
      select course_id, slot, last_event_at,
        max(watched_seconds) over w
          - coalesce(max(watched_seconds) over (w rows between unbounded preceding and 1 preceding), 0) as seconds
      from ${table(em, 'watch_slots')} where ${who} = ? and slot < ${PERIOD_END}
      window w as (partition by user_id, lecture_id order by slot)
    ), dated as (
      select to_char(slot at time zone ?, 'YYYY-MM-DD') as date, course_id, seconds, last_event_at
      from grown where slot >= ${PERIOD_START}
    )
    select date, course_id, coalesce(sum(seconds), 0)::bigint as seconds, max(last_event_at) as last
    from dated ${PER_DAY_COURSE_AND_ALL}`;
}

const watchedParams = (id: string, period: Period) => [id, ...endOf(period), period.timeZone, ...startOf(period)];

/** Instructors' and students' learning figures, from the learning read models (learning.ts). */
export class LearningReportService {
  constructor(private readonly em: EntityManager) {}

  /** The viewer's own courses: enrollments, completion, time watched and revenue, per course and day. */
  async instructor(viewer: Viewer, period: Period) {
    requireRole(viewer, 'INSTRUCTOR', 'Only instructors have an instructor report.');
    const em = this.em.fork();
    const facts = table(em, 'learning_facts');
    const [enrolled, watched, sold] = await Promise.all([
      rows<Summed<{ enrollments: number; ended: number; completions: number; cohort: number; finished: number }>>(
        em,
        // The completion rate: of the enrollments made in a day (or the period), those whose course is completed by
        // the period's end.
        `with dated as (
           select to_char(f.occurred_at at time zone ?, 'YYYY-MM-DD') as date, f.course_id, f.kind, f.enrollment_id,
             f.occurred_at, f.kind = 'ENROLLED' and exists (
               select 1 from ${facts} c where c.enrollment_id = f.enrollment_id and c.kind = 'COMPLETED'
                 and c.occurred_at < ${PERIOD_END}) as finished
           from ${facts} f where f.instructor_id = ? and ${IN_PERIOD}
         )
         select date, course_id,
           (count(*) filter (where kind = 'ENROLLED'))::int as enrollments,
           (count(*) filter (where kind = 'ENDED'))::int as ended,
           (count(*) filter (where kind = 'COMPLETED'))::int as completions,
           (count(distinct enrollment_id) filter (where kind = 'ENROLLED'))::int as cohort,
           (count(distinct enrollment_id) filter (where finished))::int as finished,
           max(occurred_at) as last
         from dated ${PER_DAY_COURSE_AND_ALL}`,
        [period.timeZone, ...endOf(period), viewer.userId, ...bounds(period)],
      ),
      rows<Summed<{ seconds: number }>>(em, watchedSql(em, 'instructor_id'), watchedParams(viewer.userId, period)),
      // Revenue: the course lines of paid orders (a course's seller is its instructor), on the day they were paid;
      // an order cancelled or refunded in full earned nothing, as in the course rankings (sales.service.ts).
      rows<Summed<{ currency: string; amount: number }>>(
        em,
        `with dated as (
           select to_char(occurred_at at time zone ?, 'YYYY-MM-DD') as date, course_id, currency,
             quantity * unit_amount as amount, occurred_at
           from ${table(em, 'sales_lines')} l
           where seller_id = ? and kind = 'COURSE' and ${IN_PERIOD}
             and not exists (select 1 from ${table(em, 'sales_order_ends')} e where e.order_id = l.order_id)
         )
         select date, course_id, currency, sum(amount)::bigint as amount, max(occurred_at) as last
         from dated group by grouping sets ((date, course_id, currency), (course_id, currency), (currency))
         order by currency`,
        [period.timeZone, viewer.userId, ...bounds(period)],
      ),
    ]);
    const figures = new Map<string, InstructorFigures & { date: string | null; courseId: string | null }>();
    const at = (row: Summed<object>) => {
      const key = `${row.date ?? ''}/${row.course_id ?? ''}`;
      let found = figures.get(key);
      if (!found) {
        found = { date: row.date, courseId: row.course_id, ...emptyFigures() };
        figures.set(key, found);
      }
      return found;
    };
    for (const row of enrolled.map(numbers))
      Object.assign(at(row), {
        enrollments: row.enrollments,
        endedEnrollments: row.ended,
        completions: row.completions,
        completionPercent: percent(row.finished, row.cohort),
      });
    for (const row of watched.map(numbers)) {
      // The grand total of an empty report is still a row: leave it out.
      if (!row.seconds) continue;
      Object.assign(at(row), { secondsWatched: row.seconds, minutesWatched: Math.floor(row.seconds / 60) });
    }
    for (const row of sold.map(numbers)) at(row).revenue.push({ amount: row.amount, currency: row.currency });

    const all = [...figures.values()];
    const titles = await this.titles(em, [...new Set(all.flatMap((f) => (f.courseId ? [f.courseId] : [])))]);
    const perCourse = all.filter((f) => f.date === null && f.courseId !== null);
    const perDay = all.filter((f) => f.date !== null);
    const {
      date: _date,
      courseId: _courseId,
      ...totals
    } = all.find((f) => f.date === null && f.courseId === null) ?? {
      date: null,
      courseId: null,
      ...emptyFigures(),
    };
    const byCourse = (a: { courseId: string | null }, b: { courseId: string | null }) =>
      (titles.get(a.courseId!) ?? '').localeCompare(titles.get(b.courseId!) ?? '') ||
      a.courseId!.localeCompare(b.courseId!);
    return {
      instructorId: viewer.userId,
      courses: perCourse.sort(byCourse).map(({ date: _, ...f }) => ({ ...f, title: titles.get(f.courseId!) ?? null })),
      days: perDay.sort((a, b) => a.date!.localeCompare(b.date!) || byCourse(a, b)),
      totals,
      lastEventAt: latest([...enrolled, ...watched, ...sold].map((r) => r.last)),
    };
  }

  /** The viewer's own time in courses, per course and per day. */
  async student(viewer: Viewer, period: Period) {
    const em = this.em.fork();
    const watched = (
      await rows<Summed<{ seconds: number }>>(em, watchedSql(em, 'user_id'), watchedParams(viewer.userId, period))
    ).map(numbers);
    const courseIds = watched.flatMap((r) => (r.course_id && r.date === null ? [r.course_id] : []));
    const titles = await this.titles(em, courseIds);
    const spent = (r: Summed<{ seconds: number }>) => ({ courseId: r.course_id!, secondsSpent: r.seconds });
    return {
      userId: viewer.userId,
      courses: watched
        .filter((r) => r.date === null && r.course_id !== null)
        .map((r) => ({ ...spent(r), title: titles.get(r.course_id!) ?? null }))
        .sort((a, b) => (a.title ?? '').localeCompare(b.title ?? '') || a.courseId.localeCompare(b.courseId)),
      days: watched
        .filter((r) => r.date !== null)
        .map((r) => ({ date: r.date!, ...spent(r) }))
        .sort((a, b) => a.date.localeCompare(b.date) || a.courseId.localeCompare(b.courseId)),
      totalSeconds: watched.find((r) => r.date === null && r.course_id === null)?.seconds ?? 0,
      lastEventAt: latest(watched.map((r) => r.last)),
    };
  }

  /** Each course's title as last published, or as its enrollments named it. */
  private async titles(em: EntityManager, courseIds: string[]): Promise<Map<string, string>> {
    if (!courseIds.length) return new Map();
    const found = await rows<{ course_id: string; title: string | null }>(
      em,
      `select id as course_id, coalesce(
         (select title from ${table(em, 'sales_courses')} c where c.course_id = id),
         (select course_title from ${table(em, 'learning_facts')} f where f.course_id = id and course_title is not null
          order by occurred_at desc limit 1)) as title
       from unnest(?::uuid[]) as id`,
      [uuidArray(courseIds)],
    );
    return new Map(found.flatMap((r) => (r.title ? [[r.course_id, r.title] as const] : [])));
  }
}

const emptyFigures = (): InstructorFigures => ({
  enrollments: 0,
  endedEnrollments: 0,
  completions: 0,
  completionPercent: 0,
  secondsWatched: 0,
  minutesWatched: 0,
  revenue: [],
});

const percent = (done: number, total: number) => (total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 0);
