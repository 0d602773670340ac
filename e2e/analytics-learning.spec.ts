import { uuidv7 } from '@peerlink/platform/ids';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteLectureDocument,
  CourseListingDocument,
  CourseProgressDocument,
  DeleteFileDocument,
  DeleteFileForeverDocument,
  EnrollDocument,
  InstructorReportDocument,
  LearningReportDocument,
  PublishCourseDocument,
  RebuildAnalyticsDocument,
  RecordProgressDocument,
  StorageReportDocument,
  UpdateCourseDocument,
  type InstructorReportQuery,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { upload } from './support/drive.js';
import { draftCourse, instructor, publishedCourse } from './support/learning.js';
import { type Account, buy, orderReaches, refundOrder } from './support/marketplace.js';
import { makeAdmin, signUp, startTestStack, type TestStack } from './support/stack.js';
import { readyVideoLecture, testVideo } from './support/video.js';
import { around, dateIn } from './support/periods.js';

/**
 * The learning and storage reports, from events alone: after real purchases, a refund, heartbeats, a completion,
 * uploads and a purge through the API, each report shows the right figures to the right people only, a rebuild
 * from the analytics log gives the same, and events told twice or out of order change nothing.
 */
let t: TestStack;
let clip: Buffer;
let db: pg.Client;
let admin: Account;
beforeAll(async () => {
  [t, clip] = await Promise.all([startTestStack(), testVideo(3)]);
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  admin = await signUp(t, 'admin');
  await makeAdmin(t, admin.username);
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

const usd = (amount: number) => ({ amount, currency: 'usd' });

const instructorReport = async (who: Account, timeZone?: string) =>
  (await ok(t.url, InstructorReportDocument, { period: around(timeZone) }, who.token)).instructorReport;
const learningReport = async (who: Account) =>
  (await ok(t.url, LearningReportDocument, { period: around() }, who.token)).learningReport;
const storageReport = async (userId?: string) =>
  (await ok(t.url, StorageReportDocument, { period: around('Asia/Kolkata'), userId }, admin.token)).storageReport;

const heartbeat = (who: Account, lectureId: string, positionSeconds: number, watchedSeconds: number) =>
  ok(t.url, RecordProgressDocument, { lectureId, positionSeconds, watchedSeconds }, who.token);

/** Every figure of a day list, summed per course: what the totals per course must be. */
function summedDays(days: NonNullable<InstructorReportQuery['instructorReport']>['days']) {
  const sums = new Map<string, { enrollments: number; completions: number; secondsWatched: number }>();
  for (const day of days) {
    const sum = sums.get(day.courseId) ?? { enrollments: 0, completions: 0, secondsWatched: 0 };
    sum.enrollments += day.enrollments;
    sum.completions += day.completions;
    sum.secondsWatched += day.secondsWatched;
    sums.set(day.courseId, sum);
  }
  return sums;
}

/** A paid course of `teacher`'s, an article then a 3-second video, once marketplace lists it. */
async function paidCourseWithVideo(teacher: Account) {
  const draft = await draftCourse(t, teacher, { priceAmount: 2900, currency: 'usd' });
  const video = await readyVideoLecture(t, teacher, draft.section.id, clip, { title: 'Tour' });
  const { publishCourse: course } = await ok(t.url, PublishCourseDocument, { id: draft.course.id }, teacher.token);
  const product = await waitFor('the course product', async () => {
    return (await ok(t.url, CourseListingDocument, { id: course.id })).course.product;
  });
  return { course, product, article: draft.lecture, video };
}

/** Buys the course's product and waits until the enrollment is ACTIVE. */
async function purchase(student: Account, productId: string, courseId: string) {
  const order = (await buy(t, student, productId)).orders[0]!;
  await orderReaches(t, student, order.id, 'PAID');
  await waitFor('the enrollment', async () => {
    const { course } = await ok(t.url, CourseListingDocument, { id: courseId }, student.token);
    return course.viewerEnrollment?.status === 'ACTIVE';
  });
  return order;
}

describe('the instructor and learning reports', () => {
  it('count enrollments, ends, completions, time watched and revenue, for their own people only', async () => {
    const [teacher, rival, ada, bo] = await Promise.all([
      instructor(t),
      instructor(t),
      signUp(t, 'ada'),
      signUp(t, 'bo'),
    ]);
    const paid = await paidCourseWithVideo(teacher);
    const { course: free } = await publishedCourse(t, teacher, { title: `Free ${uuidv7().slice(-6)}` });

    await purchase(ada, paid.product.id, paid.course.id);
    // A new price is the price from then on: Bo pays 39.00.
    await ok(t.url, UpdateCourseDocument, { id: paid.course.id, input: { priceAmount: 3900 } }, teacher.token);
    await waitFor('the listing at the new price', async () => {
      const { product } = (await ok(t.url, CourseListingDocument, { id: paid.course.id })).course;
      return product?.price.amount === 3900;
    });
    const boOrder = await purchase(bo, paid.product.id, paid.course.id);
    await ok(t.url, EnrollDocument, { courseId: free.id }, ada.token);

    // Ada watches the video through (a repeated heartbeat and one that only moves the position add nothing),
    // reads the article and so completes the course; Bo watches two seconds, then his order is refunded.
    for (const [position, watched] of [
      [1, 1],
      [2, 2],
      [2, 2],
      [1, 2],
      [3, 3],
    ] as const)
      await heartbeat(ada, paid.video.id, position, watched);
    await ok(t.url, CompleteLectureDocument, { lectureId: paid.article.id }, ada.token);
    await heartbeat(bo, paid.video.id, 2, 2);
    await refundOrder(t, teacher, boOrder.id);
    const adaSeconds = (await ok(t.url, CourseProgressDocument, { courseId: paid.course.id }, ada.token))
      .courseProgress!.timeSpentSeconds;
    expect(adaSeconds).toBeGreaterThanOrEqual(2);

    const report = await waitFor('the instructor’s figures', async () => {
      const seen = await instructorReport(teacher, 'America/Sao_Paulo');
      const { totals } = seen;
      const done = totals.enrollments === 3 && totals.completions === 1 && totals.endedEnrollments === 1;
      return done && totals.secondsWatched === adaSeconds + 2 && totals.revenue[0]?.amount === 2900 ? seen : null;
    });
    expect(report.instructorId).toBe(teacher.id);
    const paidFigures = {
      enrollments: 2,
      endedEnrollments: 1,
      completions: 1,
      completionPercent: 50,
      secondsWatched: adaSeconds + 2,
      minutesWatched: 0,
      // Bo's order was refunded in full: it earned nothing (as in topCourses).
      revenue: [usd(2900)],
    };
    const freeFigures = {
      enrollments: 1,
      endedEnrollments: 0,
      completions: 0,
      completionPercent: 0,
      secondsWatched: 0,
      minutesWatched: 0,
      revenue: [],
    };
    expect(report.courses).toEqual(
      expect.arrayContaining([
        { courseId: paid.course.id, title: paid.course.title, ...paidFigures },
        { courseId: free.id, title: free.title, ...freeFigures },
      ]),
    );
    expect(report.courses).toHaveLength(2);
    expect(report.totals).toEqual({
      enrollments: 3,
      endedEnrollments: 1,
      completions: 1,
      completionPercent: 33,
      secondsWatched: adaSeconds + 2,
      minutesWatched: 0,
      revenue: [usd(2900)],
    });
    // The days, in the period's zone, add up to the courses' figures.
    const period = around('America/Sao_Paulo');
    for (const day of report.days) expect(day.date >= period.from && day.date <= period.to).toBe(true);
    expect(summedDays(report.days).get(paid.course.id)).toEqual({
      enrollments: 2,
      completions: 1,
      secondsWatched: adaSeconds + 2,
    });
    expect(Date.now() - Date.parse(report.lastEventAt!)).toBeLessThan(10 * 60_000);

    // Students see their own time: Ada's is learning's own figure for her.
    const adas = await learningReport(ada);
    expect(adas.userId).toBe(ada.id);
    expect(adas.courses).toEqual([{ courseId: paid.course.id, title: paid.course.title, secondsSpent: adaSeconds }]);
    expect(adas.totalSeconds).toBe(adaSeconds);
    expect(adas.days.reduce((sum, d) => sum + d.secondsSpent, 0)).toBe(adaSeconds);
    expect(adas.lastEventAt).not.toBeNull();
    expect((await learningReport(bo)).totalSeconds).toBe(2);

    // Another instructor sees none of it; a student and an anonymous caller have no instructor report.
    expect(await instructorReport(rival)).toMatchObject({ instructorId: rival.id, courses: [], days: [] });
    expect((await instructorReport(rival)).totals.enrollments).toBe(0);
    expect(await codes(t.url, InstructorReportDocument, { period: around() }, ada.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, InstructorReportDocument, { period: around() })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, LearningReportDocument, { period: around() })).toEqual(['UNAUTHENTICATED']);
    for (const bad of [
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2026-12-06', to: '2026-12-01' },
      { from: '2025-01-01', to: '2026-12-01' },
      { from: '2026-12-01', to: '2026-12-02', timeZone: 'Mars/Olympus' },
    ]) {
      expect(await codes(t.url, InstructorReportDocument, { period: bad }, teacher.token)).toEqual(['BAD_USER_INPUT']);
      expect(await codes(t.url, LearningReportDocument, { period: bad }, ada.token)).toEqual(['BAD_USER_INPUT']);
    }

    // A rebuild from the log gives the same figures.
    await ok(t.url, RebuildAnalyticsDocument, {}, admin.token);
    expect(await instructorReport(teacher, 'America/Sao_Paulo')).toEqual(report);
    expect(await learningReport(ada)).toEqual(adas);
  });

  it('count an event told twice, or late with an older total, once', async () => {
    const [teacher, student] = await Promise.all([instructor(t), signUp(t, 'student')]);
    const courseId = uuidv7();
    const lectureId = uuidv7();
    const enrollmentId = uuidv7();
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    const who = { userId: student.id, courseId, instructorId: teacher.id };
    const progress = (watchedSeconds: number) => ({ ...who, lectureId, watchedSeconds });
    const events = [
      { id: uuidv7(), name: 'learning.progress.recorded', occurredAt: at(0), payload: progress(300) },
      { id: uuidv7(), name: 'learning.progress.recorded', occurredAt: at(40 * 60_000), payload: progress(60) },
      // Late and smaller than what the same quarter hour already holds: it changes nothing.
      { id: uuidv7(), name: 'learning.progress.recorded', occurredAt: at(0), payload: progress(120) },
      {
        id: uuidv7(),
        name: 'learning.enrollment.created',
        occurredAt: at(60 * 60_000),
        payload: { ...who, enrollmentId, courseTitle: 'Told twice', source: 'FREE', orderId: null },
      },
      {
        id: uuidv7(),
        name: 'learning.course.completed',
        occurredAt: at(1000),
        payload: { ...who, enrollmentId, certificateId: uuidv7(), courseTitle: 'Told twice' },
      },
    ];
    for (const event of [...events, ...events].reverse()) await t.stack.infrastructure.bus.publish(event);
    await waitFor('the events in the analytics log', async () => {
      const { rows } = await db.query('select count(*)::int as n from analytics.event_log where event_id = any($1)', [
        events.map((e) => e.id),
      ]);
      return rows[0].n === events.length;
    });
    const report = await instructorReport(teacher);
    expect(report.totals).toMatchObject({
      enrollments: 1,
      completions: 1,
      completionPercent: 100,
      secondsWatched: 300,
    });
    expect(report.courses).toMatchObject([{ courseId, title: 'Told twice' }]);
    expect((await learningReport(student)).totalSeconds).toBe(300);
  });
});

describe('the storage report', () => {
  it('shows admins bytes and files per user and MIME type per day, uploads, versions, purges and certificates', async () => {
    const owner = await signUp(t, 'owner');
    const notes = await upload(t.url, owner.token, 'notes.txt', Buffer.alloc(100, 'a'));
    await upload(t.url, owner.token, 'notes.txt', Buffer.alloc(50, 'b'), { fileId: notes.id });
    const photo = await upload(t.url, owner.token, 'photo.png', Buffer.alloc(200, 'c'), { mimeType: 'image/png' });
    await ok(t.url, DeleteFileDocument, { id: photo.id }, owner.token);
    await ok(t.url, DeleteFileForeverDocument, { id: photo.id }, owner.token);

    const report = await waitFor('the storage figures', async () => {
      const seen = await storageReport(owner.id);
      const sum = (bytes: (day: (typeof seen.days)[number]) => number) => seen.days.reduce((s, d) => s + bytes(d), 0);
      // The levels and the moves are read apart, so a purge may show in one a moment before the other.
      const purged = sum((d) => d.bytesPurged) === 200 && seen.days.at(-1)?.bytes === 150;
      return purged && sum((d) => d.bytesAdded) === 350 ? seen : null;
    });
    const period = around('Asia/Kolkata');
    expect(report.days.map((d) => d.date)).toEqual([period.from, dateIn('Asia/Kolkata'), period.to]);
    // Trashed but not yet purged counts; purged does not; a version adds its bytes to its file.
    expect(report.days.at(-1)).toMatchObject({ files: 1, bytes: 150 });
    expect(report.days.reduce((sum, d) => sum + d.bytesAdded, 0)).toBe(350);
    expect(report.users.filter((u) => u.date === period.to)).toEqual([
      { date: period.to, userId: owner.id, files: 1, bytes: 150 },
    ]);
    expect(report.mimeTypes.filter((m) => m.date === period.to)).toEqual([
      { date: period.to, mimeType: 'text/plain', files: 1, bytes: 150 },
    ]);
    expect(report.lastEventAt).not.toBeNull();
    // Across all users, the owner's bytes are among the platform's.
    const everyone = await storageReport();
    expect(everyone.days.at(-1)!.bytes).toBeGreaterThanOrEqual(150);
    expect(everyone.users.some((u) => u.userId === owner.id && u.bytes === 150)).toBe(true);

    // Only admins read it, and a malformed owner is refused.
    expect(await codes(t.url, StorageReportDocument, { period: around() }, owner.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, StorageReportDocument, { period: around() })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, StorageReportDocument, { period: around(), userId: 'me' }, admin.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      await codes(t.url, StorageReportDocument, { period: { from: '2026-01-01', to: 'soon' } }, admin.token),
    ).toEqual(['BAD_USER_INPUT']);

    await ok(t.url, RebuildAnalyticsDocument, {}, admin.token);
    expect(await storageReport(owner.id)).toEqual(report);
  });

  it('counts the certificate drive registers for a student as their PDF', async () => {
    const [teacher, student] = await Promise.all([instructor(t), signUp(t, 'graduate')]);
    const { course, lecture } = await publishedCourse(t, teacher);
    await ok(t.url, EnrollDocument, { courseId: course.id }, student.token);
    await ok(t.url, CompleteLectureDocument, { lectureId: lecture.id }, student.token);
    const report = await waitFor('the certificate among the student’s files', async () => {
      const seen = await storageReport(student.id);
      return seen.mimeTypes.some((m) => m.mimeType === 'application/pdf') ? seen : null;
    });
    const last = report.days.at(-1)!;
    expect(last.files).toBe(1);
    expect(last.bytes).toBeGreaterThan(0);
    expect(report.users.filter((u) => u.date === last.date)).toEqual([
      { date: last.date, userId: student.id, files: 1, bytes: last.bytes },
    ]);
  });
});
