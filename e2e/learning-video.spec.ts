import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddLectureDocument,
  AttachLectureVideoDocument,
  CourseDocument,
  LectureDocument,
  LectureVideoUpdatedDocument,
  PublishCourseDocument,
  type LectureVideoUpdatedSubscription,
} from './generated/graphql.js';
import { codes, ok, request, Subscription, wsClient } from './support/client.js';
import { upload } from './support/drive.js';
import { draftCourse, instructor } from './support/learning.js';
import type { Account } from './support/marketplace.js';
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

const live = () => t.stack.gateway.live;

/** A draft course of `teacher`'s with one article lecture and one video lecture. */
async function withVideoLecture(teacher: Account) {
  const draft = await draftCourse(t, teacher);
  const { addLecture } = await ok(
    t.url,
    AddLectureDocument,
    { sectionId: draft.section.id, input: { title: 'Tour', kind: 'VIDEO' } },
    teacher.token,
  );
  return { ...draft, video: addLecture };
}

const videoOf = async (lectureId: string, token: string) =>
  (await ok(t.url, LectureDocument, { id: lectureId }, token)).lecture.video;

describe('lecture videos', () => {
  it('go from an upload through drive to a READY HLS ladder, live for the instructor only', async () => {
    const [teacher, student] = await Promise.all([instructor(t), signUp(t, 'student')]);
    const { course, video } = await withVideoLecture(teacher);
    const watching = new Subscription<LectureVideoUpdatedSubscription>(
      wsClient(t.url, teacher.token),
      LectureVideoUpdatedDocument,
      { courseId: course.id },
    );
    const prying = new Subscription<LectureVideoUpdatedSubscription>(
      wsClient(t.url, student.token),
      LectureVideoUpdatedDocument,
      { courseId: course.id },
    );
    await waitFor(
      'both subscriptions',
      () => live().subscriptionsOf(teacher.id) + live().subscriptionsOf(student.id) === 2,
    );

    const file = await upload(t.url, teacher.token, 'tour.mp4', clip, { mimeType: 'video/mp4' });
    const attached = await ok(
      t.url,
      AttachLectureVideoDocument,
      { lectureId: video.id, fileId: file.id },
      teacher.token,
    );
    expect(attached.attachLectureVideo.video).toEqual({ status: 'QUEUED', progress: 0, failureReason: null });

    const ready = await waitFor(
      'the video to be READY',
      async () => {
        const now = await videoOf(video.id, teacher.token);
        if (now?.status === 'FAILED') throw new Error(`failed: ${now.failureReason}`);
        return now?.status === 'READY' && now;
      },
      60_000,
    );
    expect(ready).toEqual({ status: 'READY', progress: 100, failureReason: null });
    expect((await ok(t.url, LectureDocument, { id: video.id }, teacher.token)).lecture.durationSeconds).toBe(3);

    // The instructor heard each step, in order, ending READY.
    await waitFor('the READY event', () =>
      watching.results.some((r) => r.data?.lectureVideoUpdated?.video?.status === 'READY'),
    );
    const steps = watching.results.map((r) => r.data?.lectureVideoUpdated?.video?.status);
    expect(steps[0]).toBe('QUEUED');
    expect(steps.at(-1)).toBe('READY');
    expect(steps).toContain('PROCESSING');
    expect(prying.results).toEqual([]);

    // Complete now: it publishes, and students see the lecture with its length.
    await ok(t.url, PublishCourseDocument, { id: course.id }, teacher.token);
    const seen = (await ok(t.url, CourseDocument, { id: course.id }, student.token)).course;
    expect(seen.sections[0]!.lectures.map((l) => [l.title, l.durationSeconds])).toEqual([
      ['Welcome', null],
      ['Tour', 3],
    ]);
    expect(seen.durationSeconds).toBe(3);
    watching.stop();
    prying.stop();
  });

  it('end FAILED with a reason the instructor can act on, and keep the lecture from students', async () => {
    const [teacher, stranger] = await Promise.all([instructor(t), signUp(t, 'stranger')]);
    const { course, video } = await withVideoLecture(teacher);
    const failure = async (fileId: string) => {
      await ok(t.url, AttachLectureVideoDocument, { lectureId: video.id, fileId }, teacher.token);
      return waitFor('the failure', async () => {
        const now = await videoOf(video.id, teacher.token);
        return now?.status === 'FAILED' && now.failureReason;
      });
    };
    const text = await upload(t.url, teacher.token, 'notes.txt', Buffer.from('not a video at all\n'.repeat(50)));
    expect(await failure(text.id)).toMatch(/no video/i);
    const corrupt = await upload(t.url, teacher.token, 'cut.mp4', clip.subarray(0, 2000), { mimeType: 'video/mp4' });
    expect(await failure(corrupt.id)).toMatch(/damaged|incomplete|corrupt|read/i);
    // Someone else's file is not the instructor's to use.
    const theirs = await upload(t.url, stranger.token, 'theirs.mp4', clip, { mimeType: 'video/mp4' });
    expect(await failure(theirs.id)).toMatch(/not found among your uploaded files/);

    const publishing = await request(t.url, PublishCourseDocument, { id: course.id }, { token: teacher.token });
    expect(publishing.errors?.[0]?.extensions?.missing).toEqual(['a ready video for “Tour”']);
    // The failure's reason is the instructor's; a stranger cannot even find the draft.
    expect(await codes(t.url, LectureDocument, { id: video.id }, stranger.token)).toEqual(['NOT_FOUND']);
  });

  it('are attached only by the course’s instructor, to a video lecture, as a drive file id', async () => {
    const [teacher, other] = await Promise.all([instructor(t), instructor(t)]);
    const { lecture: article, video } = await withVideoLecture(teacher);
    const file = await upload(t.url, teacher.token, 'tour.mp4', clip, { mimeType: 'video/mp4' });
    expect(
      await codes(t.url, AttachLectureVideoDocument, { lectureId: video.id, fileId: file.id }, other.token),
    ).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AttachLectureVideoDocument, { lectureId: video.id, fileId: file.id })).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(
      await codes(t.url, AttachLectureVideoDocument, { lectureId: article.id, fileId: file.id }, teacher.token),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(t.url, AttachLectureVideoDocument, { lectureId: video.id, fileId: 'nope' }, teacher.token),
    ).toEqual(['BAD_USER_INPUT']);
  });
});
