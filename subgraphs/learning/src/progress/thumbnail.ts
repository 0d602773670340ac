import type { ClientInfo } from '@peerlink/platform/auth/viewer';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import type { Lecture } from '../curriculum.entity.js';
import { mediaKey } from '../video/media-keys.js';

/** A signed thumbnail URL lives this long; clients ask for the course again for a fresh one. */
const THUMBNAIL_SECONDS = 3600;

/**
 * A course's picture: the thumbnail the transcoder made for its first lecture with a ready video,
 * as a signed, expiring link (the gateway's /files locally, presigned on S3).
 */
export class Thumbnails {
  constructor(private readonly storage: ObjectStorage) {}

  async url(lectures: Lecture[], client: ClientInfo): Promise<string | null> {
    const first = lectures.find((l) => l.videoKey !== null);
    if (!first) return null;
    return this.storage.signDownload(mediaKey(first.videoKey!, 'thumbnail.jpg'), {
      fileName: 'thumbnail.jpg',
      contentType: 'image/jpeg',
      expiresInSeconds: THUMBNAIL_SECONDS,
      origin: client.origin,
    });
  }
}
