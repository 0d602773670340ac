/**
 * Where a lecture's HLS files live in object storage. Object keys allow only lowercase letters,
 * digits, dashes and slashes, so `720p/segment_00001.ts` under a job's prefix becomes
 * `lectures/<lecture>/<job>/720p/segment-00001-ts`; playlists name the files as FFmpeg wrote them,
 * and the playlist route maps each name back through here.
 */
export const mediaPrefix = (lectureId: string, jobId: string) => `lectures/${lectureId}/${jobId}`;

export function mediaKey(prefix: string, relativePath: string): string {
  const key = `${prefix}/${relativePath.toLowerCase().replace(/[^a-z0-9/]+/g, '-')}`;
  if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(key) || key.length > 200)
    throw new Error(`not a media path: ${relativePath}`);
  return key;
}

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
};

export const mediaType = (relativePath: string) =>
  TYPES[relativePath.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

/** A playlist's relative URI, safe to follow: no scheme, no `..`, no absolute path. */
export const isRelativeMediaPath = (uri: string) =>
  /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\.[A-Za-z0-9]+$/.test(uri) && uri.length <= 150;
