import { posix } from 'node:path';
import { text } from 'node:stream/consumers';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RoleLedger } from '@peerlink/platform/auth/role-ledger';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import type { Cache } from '@peerlink/platform/cache/cache';
import type { Orm } from '@peerlink/platform/db/database';
import { forbidden } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import { mayOpen } from '../access.js';
import { Course } from '../course.entity.js';
import { Lecture, LectureKind } from '../curriculum.entity.js';
import { Enrollment } from '../enrollment.entity.js';
import type { LearningLoaders } from '../loaders.js';
import { rewritePlaylistUris } from './hls.js';
import { isRelativeMediaPath, mediaKey, mediaType } from './media-keys.js';
import type { PlaybackGrant, PlaybackLinks } from './playback-links.js';

export interface Playback {
  url: string;
  expiresAt: Date;
}

export interface PlaybackSettings {
  /** How long a playback link (and every segment link its playlists hand out) lasts. */
  seconds: number;
  /** Where clients reach the gateway, when it is not the origin they called (FILES_PUBLIC_URL). */
  publicBaseUrl?: string;
}

/** What the `/media` route answers: a playlist, or a status with a reason. */
export type PlaylistAnswer = { status: 200; contentType: string; body: string } | { status: 403 | 404; error: string };

const PLAYLIST = 'application/vnd.apple.mpegurl';
/**
 * Segment links in a playlist are root-relative (`/files/o/...`) with local storage: the player resolves them
 * against the gateway it fetched the playlist from, whatever name it called it by. S3 links are absolute anyway.
 */
const SAME_ORIGIN = '';

/**
 * Signed, expiring HLS playback. `playback` gives a viewer who may open the lecture a link to its master
 * playlist under the gateway's `/media`. Every playlist fetched with that link is checked again (the
 * viewer may have been refunded since) and rewritten: rendition playlists keep the same grant, and each
 * segment becomes a signed storage link (the gateway's `/files` locally, presigned on S3) that expires
 * with the grant. Segments are never served here, so range requests and bandwidth are storage's.
 */
export class PlaybackService {
  private readonly roles: RoleLedger;

  constructor(
    private readonly orm: Orm,
    private readonly storage: ObjectStorage,
    cache: Cache,
    private readonly links: PlaybackLinks,
    private readonly settings: PlaybackSettings,
  ) {
    this.roles = new RoleLedger(cache);
  }

  /** Null when there is nothing to play yet; FORBIDDEN for a viewer who may not open the lecture. */
  async playback(viewer: Viewer, lecture: Lecture, loaders: LearningLoaders, client: ClientInfo) {
    if (lecture.kind !== LectureKind.VIDEO || !lecture.videoKey) return null;
    const course = await loaders.course.load(lecture.courseId);
    if (!course || !mayOpen(viewer, course, lecture, await loaders.enrollment.load(course.id)))
      throw forbidden('Enroll in the course to watch this lecture.');
    const expiresAt = Math.floor(Date.now() / 1000) + this.settings.seconds;
    const base = (this.settings.publicBaseUrl ?? client.origin ?? 'http://localhost:4000').replace(/\/$/, '');
    const query = this.links.query({ lectureId: lecture.id, userId: viewer.userId, expiresAt });
    return { url: `${base}/media/lectures/${lecture.id}/master.m3u8?${query}`, expiresAt: new Date(expiresAt * 1000) };
  }

  /** A playlist of `lectureId` at `path` (as the transcoder wrote it), for the grant `query` carries. */
  async playlist(lectureId: string, path: string, query: Record<string, unknown>): Promise<PlaylistAnswer> {
    const grant = isUuid(lectureId) ? this.links.verify(lectureId.toLowerCase(), query) : null;
    if (!grant) return { status: 403, error: 'This playback link is not valid or has expired.' };
    if (!isRelativeMediaPath(path) || !path.endsWith('.m3u8')) return { status: 404, error: 'Not found.' };
    const lecture = await this.openable(grant);
    if (!lecture?.videoKey) return { status: 403, error: 'You may no longer watch this lecture.' };
    const text = await this.readText(mediaKey(lecture.videoKey, path));
    if (text === null) return { status: 404, error: 'Not found.' };
    const body = await this.signed(text, lecture.videoKey, posix.dirname(path), grant);
    return { status: 200, contentType: PLAYLIST, body };
  }

  /** The lecture, if the grant's viewer may open it now: with the roles they hold now and their enrollment now. */
  private async openable(grant: PlaybackGrant): Promise<Lecture | null> {
    const em = (this.orm.em as EntityManager).fork();
    const lecture = await em.findOne(Lecture, { id: grant.lectureId });
    const course = lecture && (await em.findOne(Course, { id: lecture.courseId }));
    if (!lecture || !course) return null;
    const [enrollment, roles] = await Promise.all([
      em.findOne(Enrollment, { courseId: course.id, userId: grant.userId }),
      this.roles.read(grant.userId),
    ]);
    // No ledger entry: no roles beyond a student's, so only the enrollment or teaching the course counts.
    const viewer: Viewer = { userId: grant.userId, sessionId: '', roles: roles ?? [], rolesFrom: 'ACCOUNT' };
    return mayOpen(viewer, course, lecture, enrollment) ? lecture : null;
  }

  /** Rendition playlists keep the grant (relative links); segments become signed storage links. */
  private async signed(text: string, prefix: string, folder: string, grant: PlaybackGrant): Promise<string> {
    const expiresInSeconds = Math.max(1, grant.expiresAt - Math.floor(Date.now() / 1000));
    const grantQuery = this.links.query(grant);
    const uris = new Set<string>();
    rewritePlaylistUris(text, (uri) => {
      uris.add(uri);
      return uri;
    });
    const signedUris = new Map<string, string>();
    for (const uri of uris) {
      if (!isRelativeMediaPath(uri)) throw new Error(`unexpected URI in a stored playlist: ${uri}`);
      const path = posix.join(folder, uri);
      signedUris.set(
        uri,
        uri.endsWith('.m3u8')
          ? `${uri}?${grantQuery}`
          : await this.storage.signDownload(mediaKey(prefix, path), {
              fileName: posix.basename(path),
              contentType: mediaType(path),
              expiresInSeconds,
              origin: SAME_ORIGIN,
            }),
      );
    }
    return rewritePlaylistUris(text, (uri) => signedUris.get(uri) as string);
  }

  private async readText(key: string): Promise<string | null> {
    const stream = await this.storage.read(key);
    return stream ? text(stream) : null;
  }
}
