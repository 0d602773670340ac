import { PlaybackLinks, parsePlaylist } from '@peerlink/learning';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CourseListingDocument,
  EnrollDocument,
  LecturePlaybackDocument,
  PublishCourseDocument,
  RevokeRoleDocument,
} from './generated/graphql.js';
import { codes, ok, request } from './support/client.js';
import { draftCourse, instructor } from './support/learning.js';
import { buy, orderReaches, refundOrder, type Account } from './support/marketplace.js';
import { admin } from './support/plans.js';
import { startS3Server } from './support/s3.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';
import { probe, readyVideoLecture, testVideo } from './support/video.js';

// Known to the test, so it can sign a link the server would have signed, but already expired.
const MEDIA_SECRET = 'playback-links-in-tests-are-signed-with-this';

let t: TestStack;
let teacher: Account;
let student: Account;
let stranger: Account;
/** Two READY lectures of one published, free course: `lesson` for students, `teaser` a free preview. */
let lesson: { id: string };
let teaser: { id: string };

beforeAll(async () => {
  let clip: Buffer;
  [t, clip] = await Promise.all([startTestStack({ LEARNING_MEDIA_SECRET: MEDIA_SECRET }), testVideo(3)]);
  [teacher, student, stranger] = await Promise.all([instructor(t), signUp(t, 'student'), signUp(t, 'stranger')]);
  const { course, section } = await draftCourse(t, teacher);
  lesson = await readyVideoLecture(t, teacher, section.id, clip, { title: 'Lesson' });
  teaser = await readyVideoLecture(t, teacher, section.id, clip, { title: 'Teaser', isFreePreview: true });
  await ok(t.url, PublishCourseDocument, { id: course.id }, teacher.token);
  await ok(t.url, EnrollDocument, { courseId: course.id }, student.token);
}, 240_000);
afterAll(async () => {
  await t?.stop();
});

const playbackOf = async (lectureId: string, who: Account) =>
  (await ok(t.url, LecturePlaybackDocument, { id: lectureId }, who.token)).lecture.playback;

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

async function playlist(url: string) {
  const answer = await get(url);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/vnd\.apple\.mpegurl/);
  return parsePlaylist(await answer.text());
}

/**
 * Reads `url`'s master playlist, both renditions and a ranged piece of a segment of each, and has ffprobe play
 * each rendition and the whole ladder from their playlists, as a player would. Segment links match `segments`.
 */
async function playsThrough(url: string, segments: RegExp) {
  const master = await playlist(url);
  if (master.kind !== 'master') throw new Error('expected a master playlist');
  expect(master.variants.map((v) => v.resolution?.height)).toEqual([360, 720]);
  for (const variant of master.variants) {
    const renditionUrl = new URL(variant.uri, url).href;
    const rendition = await playlist(renditionUrl);
    if (rendition.kind !== 'media') throw new Error('expected a media playlist');
    const total = rendition.segments.reduce((sum, segment) => sum + segment.durationSeconds, 0);
    expect(total).toBeCloseTo(3, 0);
    // Segments come from storage, each link signed on its own.
    const segment = new URL(rendition.segments[0]!.uri, renditionUrl).href;
    expect(segment).toMatch(segments);
    const part = await get(segment, { range: 'bytes=0-187' });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(188);
    const probed = await probe(renditionUrl);
    expect(probed.durationSeconds).toBeGreaterThan(2.5);
    expect(probed.durationSeconds).toBeLessThan(3.6);
    expect(probed.streams.find((s) => s.kind === 'video')?.height).toBe(variant.resolution?.height);
    expect(probed.streams.some((s) => s.kind === 'audio')).toBe(true);
  }
  expect((await probe(url)).durationSeconds).toBeGreaterThan(2.5);
}

describe('lecture playback', () => {
  it('streams an enrolled student both renditions through signed, expiring links, with range requests', async () => {
    const playback = await playbackOf(lesson.id, student);
    expect(playback?.url).toMatch(new RegExp(`^${t.url.replace('/graphql', '')}/media/lectures/${lesson.id}/`));
    const lifetime = Date.parse(playback!.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(4 * 3600_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(4 * 3600_000);

    await playsThrough(playback!.url, /^http:\/\/[^/]+\/files\/o\/lectures\//);
  });

  it('is issued to the instructor and admins; to others only for a free preview', async () => {
    const boss = await admin(t);
    expect((await playbackOf(lesson.id, teacher))?.url).toContain('/media/');
    expect((await playbackOf(lesson.id, boss))?.url).toContain('/media/');
    expect(await codes(t.url, LecturePlaybackDocument, { id: lesson.id }, stranger.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, LecturePlaybackDocument, { id: lesson.id })).toEqual(['UNAUTHENTICATED']);
    const preview = await playbackOf(teaser.id, stranger);
    expect(await playlist(preview!.url)).toMatchObject({ kind: 'master' });
  });

  it('refuses forged, altered, expired and cross-lecture links', async () => {
    const playback = await playbackOf(lesson.id, student);
    const url = new URL(playback!.url);
    const altered = (change: (u: URL) => void) => {
      const copy = new URL(url);
      change(copy);
      return copy.href;
    };
    expect((await get(playback!.url)).status).toBe(200);
    // Another viewer, a later expiry, a made-up signature: each breaks the signature.
    expect((await get(altered((u) => u.searchParams.set('u', stranger.id)))).status).toBe(403);
    const later = String(Number(url.searchParams.get('exp')) + 3600);
    expect((await get(altered((u) => u.searchParams.set('exp', later)))).status).toBe(403);
    expect((await get(altered((u) => u.searchParams.set('sig', 'A'.repeat(43))))).status).toBe(403);
    expect((await get(altered((u) => u.searchParams.delete('sig')))).status).toBe(403);
    // The grant for one lecture opens no other lecture's playlists.
    expect((await get(altered((u) => (u.pathname = u.pathname.replace(lesson.id, teaser.id))))).status).toBe(403);
    // Only playlists are served here, never a path outside the lecture's files.
    expect((await get(altered((u) => (u.pathname = u.pathname.replace('master.m3u8', 'thumbnail.jpg'))))).status).toBe(
      404,
    );

    // A link the server itself signed, for this very student, whose time is up.
    const expired = new PlaybackLinks(Buffer.from(MEDIA_SECRET)).query({
      lectureId: lesson.id,
      userId: student.id,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    expect((await get(`${url.origin}${url.pathname}?${expired}`)).status).toBe(403);

    // A segment link names its own object: pointed at another lecture's segment, its signature fails.
    const segmentOf = async (lectureId: string) => {
      const own = await playbackOf(lectureId, teacher);
      const master = await playlist(own!.url);
      if (master.kind !== 'master') throw new Error('expected a master playlist');
      const renditionUrl = new URL(master.variants[0]!.uri, own!.url).href;
      const rendition = await playlist(renditionUrl);
      if (rendition.kind !== 'media') throw new Error('expected a media playlist');
      return new URL(rendition.segments[0]!.uri, renditionUrl);
    };
    const [mine, theirs] = await Promise.all([segmentOf(lesson.id), segmentOf(teaser.id)]);
    expect((await get(mine.href)).status).toBe(200);
    const swapped = new URL(mine);
    swapped.pathname = theirs.pathname;
    expect((await get(swapped.href)).status).toBe(403);
  });

  it('is null for an article, and stops a link as soon as the viewer may no longer watch', async () => {
    const { lecture: article } = await draftCourse(t, teacher);
    expect(await playbackOf(article.id, teacher)).toBeNull();
    // A link issued while allowed is checked again on every playlist: an admin who lost the role loses it at once.
    const [boss, demoted] = await Promise.all([admin(t), admin(t)]);
    const issued = await playbackOf(lesson.id, demoted);
    expect((await get(issued!.url)).status).toBe(200);
    await ok(t.url, RevokeRoleDocument, { userId: demoted.id, role: 'ADMIN' }, boss.token);
    expect((await get(issued!.url)).status).toBe(403);
  });
});

describe('a paid course’s playback', () => {
  it('opens to its buyer once PAID and closes, links already handed out too, on a full refund', async () => {
    const [owner, buyer, clip] = await Promise.all([instructor(t), signUp(t, 'buyer'), testVideo(2)]);
    const { course, section } = await draftCourse(t, owner, { priceAmount: 1900, currency: 'usd' });
    const lecture = await readyVideoLecture(t, owner, section.id, clip, { title: 'Paid lesson' });
    await ok(t.url, PublishCourseDocument, { id: course.id }, owner.token);
    const product = await waitFor(
      'the course product',
      async () => (await ok(t.url, CourseListingDocument, { id: course.id })).course.product,
    );
    // Not bought yet: no playback.
    expect(await codes(t.url, LecturePlaybackDocument, { id: lecture.id }, buyer.token)).toEqual(['FORBIDDEN']);

    const orderId = (await buy(t, buyer, product.id)).orders[0]!.id;
    await orderReaches(t, buyer, orderId, 'PAID');
    const playback = await waitFor(
      'playback for the buyer',
      async () =>
        (await request(t.url, LecturePlaybackDocument, { id: lecture.id }, { token: buyer.token })).data?.lecture
          ?.playback,
    );
    expect((await get(playback.url)).status).toBe(200);

    await refundOrder(t, owner, orderId);
    await waitFor(
      'the enrollment to end',
      async () =>
        (await ok(t.url, CourseListingDocument, { id: course.id }, buyer.token)).course.viewerEnrollment?.status ===
        'ENDED',
    );
    expect((await get(playback.url)).status).toBe(403);
    expect(await codes(t.url, LecturePlaybackDocument, { id: lecture.id }, buyer.token)).toEqual(['FORBIDDEN']);
  });
});

describe('lecture playback on S3 storage', () => {
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let onS3: TestStack;
  beforeAll(async () => {
    s3 = await startS3Server();
    onS3 = await startTestStack(s3.env);
  }, 60_000);
  afterAll(async () => {
    await onS3?.stop();
    await s3?.stop();
  });

  it('hands out presigned bucket links for the segments', async () => {
    const [clip, owner] = await Promise.all([testVideo(3), instructor(onS3)]);
    const { section } = await draftCourse(onS3, owner);
    const lecture = await readyVideoLecture(onS3, owner, section.id, clip, { title: 'On S3' });
    const { playback } = (await ok(onS3.url, LecturePlaybackDocument, { id: lecture.id }, owner.token)).lecture;
    const bucket = new URL(s3.env.S3_ENDPOINT).host;
    await playsThrough(playback!.url, new RegExp(`^http://${bucket}/peerlink-e2e/lectures/.+X-Amz-Signature=`));
  });
});
