import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddLectureDocument,
  AttachLectureVideoDocument,
  CertificateDocument,
  CompleteLectureDocument,
  CourseFiguresDocument,
  CourseProgressDocument,
  EnrollDocument,
  FollowDocument,
  LectureDocument,
  NotificationsDocument,
  PublishCourseDocument,
  RecordProgressDocument,
  UpdateCourseDocument,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { upload } from './support/drive.js';
import { draftCourse, instructor, publishedCourse } from './support/learning.js';
import type { Account } from './support/marketplace.js';
import { launchChromium } from './support/browser.js';
import { onGateway } from './support/payer-pages.js';
import { pdfText } from './support/pdf.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';
import { testVideo } from './support/video.js';

let t: TestStack;
let clip: Buffer;
beforeAll(async () => {
  [t, clip] = await Promise.all([startTestStack(), testVideo(3)]);
});
afterAll(async () => {
  await t?.stop();
});

const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';

/** A published free course of `teacher`'s: an article, then a READY 3-second video. */
async function courseWithVideo(teacher: Account) {
  const draft = await draftCourse(t, teacher);
  const { addLecture: video } = await ok(
    t.url,
    AddLectureDocument,
    { sectionId: draft.section.id, input: { title: 'Tour', kind: 'VIDEO' } },
    teacher.token,
  );
  const file = await upload(t.url, teacher.token, 'tour.mp4', clip, { mimeType: 'video/mp4' });
  await ok(t.url, AttachLectureVideoDocument, { lectureId: video.id, fileId: file.id }, teacher.token);
  await waitFor(
    'the video to be READY',
    async () => {
      const now = (await ok(t.url, LectureDocument, { id: video.id }, teacher.token)).lecture.video;
      if (now?.status === 'FAILED') throw new Error(`failed: ${now.failureReason}`);
      return now?.status === 'READY';
    },
    90_000,
  );
  const { publishCourse: course } = await ok(t.url, PublishCourseDocument, { id: draft.course.id }, teacher.token);
  return { course, article: draft.lecture, video };
}

const heartbeat = (token: string | undefined, lectureId: string, positionSeconds: number, watchedSeconds: number) =>
  ok(t.url, RecordProgressDocument, { lectureId, positionSeconds, watchedSeconds }, token);

const beatCodes = (token: string | undefined, lectureId: string, positionSeconds: number, watchedSeconds: number) =>
  codes(t.url, RecordProgressDocument, { lectureId, positionSeconds, watchedSeconds }, token);

/** The viewer's progress; null for someone never enrolled. */
const progressOf = async (token: string, courseId: string) =>
  (await ok(t.url, CourseProgressDocument, { courseId }, token, { nullable: true })).courseProgress;

const titles = async (token: string) =>
  (await ok(t.url, NotificationsDocument, { first: 50 }, token)).notifications.edges.map((e) => e.node);

/** Waits for a notification whose title matches, and returns it. */
const notified = (token: string, title: RegExp) =>
  waitFor(`a notification titled ${title}`, async () => (await titles(token)).find((n) => title.test(n.title)));

/** The certificate's public page, opened signed out in headless Chromium, shows `facts`; a wrong id, none. */
async function expectVerificationPage(link: string, facts: string[]) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(onGateway(t, link).href);
    await page.getByText('PeerLink issued this certificate.').waitFor();
    expect(await page.getByRole('heading').textContent()).toBe('Certificate verified');
    const details = (await page.locator('#details').textContent()) ?? '';
    for (const fact of facts) expect(details).toContain(fact);
    await page.goto(onGateway(t, link.replace(/id=.*$/, `id=${UNKNOWN}`)).href);
    await page.getByText(/issued no certificate with this link/).waitFor();
    expect(await page.locator('#details').isHidden()).toBe(true);
  } finally {
    await browser.close();
  }
}

describe('progress, completion and certificates', () => {
  it('record heartbeats idempotently, complete lectures and the course, and issue a certificate', async () => {
    const [teacher, student, classmate, stranger, rival] = await Promise.all([
      instructor(t),
      signUp(t, 'student'),
      signUp(t, 'classmate'),
      signUp(t, 'stranger'),
      instructor(t),
    ]);
    const { course, article, video } = await courseWithVideo(teacher);
    await ok(t.url, EnrollDocument, { courseId: course.id }, student.token);
    await ok(t.url, EnrollDocument, { courseId: course.id }, classmate.token);
    expect((await notified(student.token, /^You enrolled in/)).kind).toBe('COURSE');

    // Only the course's students record progress, with numbers within the lecture.
    expect(await beatCodes(stranger.token, video.id, 1, 1)).toEqual(['FORBIDDEN']);
    expect(await beatCodes(teacher.token, video.id, 1, 1)).toEqual(['FORBIDDEN']);
    expect(await beatCodes(undefined, video.id, 1, 1)).toEqual(['UNAUTHENTICATED']);
    expect(await beatCodes(student.token, UNKNOWN, 1, 1)).toEqual(['NOT_FOUND']);
    expect(await beatCodes(student.token, 'lecture-1', 1, 1)).toEqual(['NOT_FOUND']);
    expect(await beatCodes(student.token, video.id, -1, 0)).toEqual(['BAD_USER_INPUT']);
    expect(await beatCodes(student.token, video.id, 0, -1)).toEqual(['BAD_USER_INPUT']);
    expect(await beatCodes(student.token, video.id, 60, 1)).toEqual(['BAD_USER_INPUT']);
    expect(await beatCodes(student.token, video.id, 1, 60)).toEqual(['BAD_USER_INPUT']);
    expect(await beatCodes(student.token, article.id, 0, 0)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, CompleteLectureDocument, { lectureId: video.id }, student.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, CompleteLectureDocument, { lectureId: article.id }, stranger.token)).toEqual([
      'FORBIDDEN',
    ]);

    // A repeated heartbeat changes nothing; a late one cannot take watched time back.
    const first = (await heartbeat(student.token, video.id, 1, 1)).recordProgress;
    expect(first).toMatchObject({ positionSeconds: 1, watchedSeconds: 1, completed: false });
    expect((await heartbeat(student.token, video.id, 1, 1)).recordProgress).toEqual(first);
    expect((await heartbeat(student.token, video.id, 0, 0)).recordProgress).toMatchObject({
      positionSeconds: 0,
      watchedSeconds: 1,
      completed: false,
    });
    await heartbeat(student.token, video.id, 2, 2);
    expect(await progressOf(student.token, course.id)).toMatchObject({
      completedLectureIds: [],
      lectureCount: 2,
      percent: 0,
      timeSpentSeconds: 2,
      resume: { lectureId: video.id, positionSeconds: 2, lecture: { title: 'Tour' } },
      completedAt: null,
      certificate: null,
    });

    // Most of the video watched completes it; the course waits for the article.
    const watched = (await heartbeat(student.token, video.id, 3, 3)).recordProgress;
    expect(watched).toMatchObject({ completed: true, watchedSeconds: 3 });
    expect(await progressOf(student.token, course.id)).toMatchObject({
      completedLectureIds: [video.id],
      completedLectures: 1,
      percent: 50,
      resume: { lectureId: article.id, positionSeconds: 0 },
    });
    await heartbeat(classmate.token, video.id, 3, 3);

    // Nobody else sees a student's progress.
    expect(await progressOf(stranger.token, course.id)).toBeNull();
    expect((await ok(t.url, CourseFiguresDocument, { id: course.id }, teacher.token)).course.viewerProgress).toBeNull();

    // The article read completes the course, once.
    const read = (await ok(t.url, CompleteLectureDocument, { lectureId: article.id }, student.token)).completeLecture;
    expect(read.completed).toBe(true);
    expect(
      (await ok(t.url, CompleteLectureDocument, { lectureId: article.id }, student.token)).completeLecture,
    ).toEqual(read);
    const finished = await progressOf(student.token, course.id);
    expect(finished).toMatchObject({ percent: 100, completedLectures: 2, resume: null });
    expect(finished?.completedAt).toBeTruthy();
    expect(await notified(student.token, /^You completed/)).toBeTruthy();
    // The subject quotes the title with curly quotes (MIME-encoded), so the body is what is matched.
    await waitFor('the completion email', () =>
      t.mailbox.messages.find((m) => m.to === student.email && /Congratulations/.test(m.text)),
    );

    // The certificate: drawn, stored as the student's drive file, checkable by anyone.
    const certificate = await waitFor(
      'the certificate',
      async () => (await progressOf(student.token, course.id))?.certificate,
    );
    expect(certificate).toMatchObject({
      studentName: student.displayName,
      instructorName: teacher.displayName,
      courseTitle: course.title,
      student: { id: student.id },
      instructor: { id: teacher.id },
      course: { id: course.id },
    });
    expect(certificate.verificationUrl).toMatch(new RegExp(`/certificate\\?id=${certificate.id}$`));
    const pdfFile = await waitFor('drive to hold the PDF', async () => {
      const pdf = (await ok(t.url, CertificateDocument, { id: certificate.id }, student.token)).certificate.pdf;
      return pdf?.downloadUrl ? pdf : null;
    });
    expect(pdfFile).toMatchObject({ mimeType: 'application/pdf', owner: { id: student.id } });
    expect(pdfFile.name).toMatch(/certificate\.pdf$/);
    const bytes = Buffer.from(await (await fetch(pdfFile.downloadUrl!)).arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(bytes);
    for (const name of [student.displayName, teacher.displayName, course.title]) expect(text).toContain(name);
    expect(text).toContain(certificate.issuedAt.slice(0, 10));

    const checked = (await ok(t.url, CertificateDocument, { id: certificate.id })).certificate;
    expect(checked).toMatchObject({ id: certificate.id, studentName: student.displayName, pdf: null });
    expect((await ok(t.url, CertificateDocument, { id: certificate.id }, stranger.token)).certificate.pdf).toBeNull();
    expect(await codes(t.url, CertificateDocument, { id: UNKNOWN })).toEqual(['NOT_FOUND']);
    await expectVerificationPage(certificate.verificationUrl, [
      student.displayName,
      teacher.displayName,
      course.title,
      certificate.issuedAt.slice(0, 10),
    ]);
    expect(await codes(t.url, CertificateDocument, { id: 'nope' })).toEqual(['NOT_FOUND']);

    // The instructor's figures: two students, one finished; for the instructor alone.
    const figures = (await ok(t.url, CourseFiguresDocument, { id: course.id }, teacher.token)).course;
    expect(figures).toMatchObject({
      lectureCount: 2,
      durationSeconds: 3,
      stats: { enrollments: 2, completions: 1, completionPercent: 50, minutesWatched: 0 },
    });
    for (const other of [rival, student, stranger])
      expect((await ok(t.url, CourseFiguresDocument, { id: course.id }, other.token)).course.stats).toBeNull();
    const mine = (await ok(t.url, CourseFiguresDocument, { id: course.id }, student.token)).course;
    expect(mine.viewerProgress).toEqual({ percent: 100, completedLectures: 2 });
    expect(mine.viewerEnrollment?.completedAt).toBeTruthy();

    // Its picture: the video's thumbnail, through a signed URL.
    expect(figures.thumbnailUrl).toBeTruthy();
    const thumbnail = await fetch(figures.thumbnailUrl!);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toMatch(/image\/jpeg/);
    const jpeg = Buffer.from(await thumbnail.arrayBuffer());
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
  });

  it('gives a course with no ready video no thumbnail', async () => {
    const teacher = await instructor(t);
    const { course } = await publishedCourse(t, teacher);
    expect((await ok(t.url, CourseFiguresDocument, { id: course.id }, teacher.token)).course.thumbnailUrl).toBeNull();
  });
});

describe('course notifications', () => {
  it('tell an instructor’s followers of each new course once, in the app and by email', async () => {
    const [teacher, follower, bystander] = await Promise.all([
      instructor(t),
      signUp(t, 'follower'),
      signUp(t, 'bystander'),
    ]);
    await ok(t.url, FollowDocument, { userId: teacher.id }, follower.token);
    const { course } = await publishedCourse(t, teacher);
    const news = await notified(follower.token, /published a new course/);
    expect(news).toMatchObject({ kind: 'COURSE', actor: { id: teacher.id } });
    expect(news.body).toContain(course.title);
    await t.mailbox.waitFor(follower.email, /published a new course/);
    expect((await titles(bystander.token)).some((n) => /published a new course/.test(n.title))).toBe(false);

    // A change to the published course is no news; the instructor's next course is.
    await ok(t.url, UpdateCourseDocument, { id: course.id, input: { subtitle: 'Now with more' } }, teacher.token);
    const { course: next } = await publishedCourse(t, teacher);
    await waitFor('news of the next course', async () =>
      (await titles(follower.token)).some((n) => n.body.includes(next.title)),
    );
    const news2 = (await titles(follower.token)).filter((n) => /published a new course/.test(n.title));
    expect(news2.map((n) => n.body.includes(course.title))).toEqual([false, true]);
  });

  it('tell the instructor when a lecture’s video cannot be processed', async () => {
    const teacher = await instructor(t);
    const draft = await draftCourse(t, teacher);
    const { addLecture: video } = await ok(
      t.url,
      AddLectureDocument,
      { sectionId: draft.section.id, input: { title: 'Broken', kind: 'VIDEO' } },
      teacher.token,
    );
    const notes = await upload(t.url, teacher.token, 'notes.txt', Buffer.from('not a video\n'.repeat(50)));
    await ok(t.url, AttachLectureVideoDocument, { lectureId: video.id, fileId: notes.id }, teacher.token);
    const failure = await notified(teacher.token, /could not be processed/);
    expect(failure.title).toContain('Broken');
    expect(failure.body).toContain(draft.course.title);
  });
});
