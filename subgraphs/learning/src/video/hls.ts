/** HLS playlists (RFC 8216) as the transcoder writes them and the player reads them. */

export interface VariantStream {
  bandwidth: number;
  averageBandwidth?: number;
  resolution?: { width: number; height: number };
  codecs?: string;
  uri: string;
}

export interface MediaSegment {
  durationSeconds: number;
  uri: string;
}

export type Playlist = { kind: 'master'; variants: VariantStream[] } | { kind: 'media'; segments: MediaSegment[] };

/**
 * Points every URI of a playlist somewhere else (a signed URL, say): the URI lines (segments, variant playlists)
 * and URI="..." attributes (keys, maps, alternative renditions). Tags, comments and blank lines are kept as they are.
 */
export function rewritePlaylistUris(text: string, sign: (uri: string) => string): string {
  return text
    .split(/\r?\n/)
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (!trimmed.startsWith('#')) return sign(trimmed);
      return line.replace(/URI="([^"]*)"/g, (_, uri: string) => `URI="${sign(uri)}"`);
    })
    .join('\n');
}

/** Reads a master playlist's variant streams or a media playlist's segments. Throws on anything but a playlist. */
export function parsePlaylist(text: string): Playlist {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('Not an HLS playlist: it must start with #EXTM3U');
  const variants: VariantStream[] = [];
  const segments: MediaSegment[] = [];
  // The tag that applies to the next URI line.
  let pending: { variant: VariantStream } | { segment: MediaSegment } | undefined;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      pending = { variant: variantOf(attributes(line.slice('#EXT-X-STREAM-INF:'.length))) };
    } else if (line.startsWith('#EXTINF:')) {
      const durationSeconds = Number.parseFloat(line.slice('#EXTINF:'.length));
      if (!Number.isFinite(durationSeconds)) throw new Error(`Bad segment duration: ${line}`);
      pending = { segment: { durationSeconds, uri: '' } };
    } else if (!line.startsWith('#')) {
      if (!pending) throw new Error(`A URI with no #EXTINF or #EXT-X-STREAM-INF before it: ${line}`);
      if ('variant' in pending) variants.push({ ...pending.variant, uri: line });
      else segments.push({ ...pending.segment, uri: line });
      pending = undefined;
    }
  }
  if (variants.length > 0 && segments.length > 0) throw new Error('A playlist cannot list both variants and segments');
  return variants.length > 0 ? { kind: 'master', variants } : { kind: 'media', segments };
}

function variantOf(attributes: Map<string, string>): VariantStream {
  const bandwidth = Number(attributes.get('BANDWIDTH'));
  if (!Number.isInteger(bandwidth)) throw new Error('#EXT-X-STREAM-INF needs a BANDWIDTH');
  const variant: VariantStream = { bandwidth, uri: '' };
  const average = attributes.get('AVERAGE-BANDWIDTH');
  if (average !== undefined) variant.averageBandwidth = Number(average);
  const resolution = attributes.get('RESOLUTION')?.match(/^(\d+)x(\d+)$/);
  if (resolution) variant.resolution = { width: Number(resolution[1]), height: Number(resolution[2]) };
  const codecs = attributes.get('CODECS');
  if (codecs !== undefined) variant.codecs = codecs;
  return variant;
}

/** BANDWIDTH=800000,CODECS="avc1.4d4028,mp4a.40.2" → a map; quoted values may hold commas. */
function attributes(list: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [, name, quoted, bare] of list.matchAll(/([A-Z0-9-]+)=(?:"([^"]*)"|([^,]*))/g)) {
    map.set(name as string, quoted ?? bare ?? '');
  }
  return map;
}
