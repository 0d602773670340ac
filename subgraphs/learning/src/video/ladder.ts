/** The renditions a lecture is encoded to, and the ffmpeg arguments for each. */

export interface Rung {
  name: `${number}p`;
  height: number;
  /** x264's ceiling, so a busy scene cannot blow the player's buffer; CRF decides the rest. */
  maxrateKbps: number;
  audioKbps: number;
}

const ladder: Rung[] = [
  { name: '360p', height: 360, maxrateKbps: 900, audioKbps: 96 },
  { name: '720p', height: 720, maxrateKbps: 3000, audioKbps: 128 },
];

export const segmentSeconds = 4;

// Main profile, level 4.0: every browser and phone plays it, up to 1080p at 30 fps; AAC-LC.
export const videoCodec = 'avc1.4d4028';
export const audioCodec = 'mp4a.40.2';

/** The rungs no taller than the source (upscaling only wastes bytes); a smaller source gets one at its own height. */
export function rungsFor(sourceHeight: number): Rung[] {
  const fitting = ladder.filter((rung) => rung.height <= sourceHeight);
  if (fitting.length > 0) return fitting;
  const height = Math.max(2, sourceHeight - (sourceHeight % 2)); // x264 needs even dimensions
  return [{ ...(ladder[0] as Rung), name: `${height}p`, height }];
}

/**
 * One ffmpeg run per rendition (this ffmpeg build crashes on -var_stream_map), run in the rendition's folder so
 * the playlist names its segments relatively. Keyframes every 4 s line segments up across renditions, so a
 * player can switch at any segment boundary.
 */
export function renditionArgs(input: string, rung: Rung, hasAudio: boolean, inputFormats: string): string[] {
  return [
    ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'],
    ...inputOptions(inputFormats),
    ...['-i', input, '-map', '0:v:0', ...(hasAudio ? ['-map', '0:a:0'] : []), '-sn', '-dn', '-map_metadata', '-1'],
    ...['-vf', `scale=-2:${rung.height}`, '-pix_fmt', 'yuv420p'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-level:v', '4.0', '-crf', '23'],
    ...['-maxrate', `${rung.maxrateKbps}k`, '-bufsize', `${rung.maxrateKbps * 2}k`],
    ...['-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`],
    ...(hasAudio ? ['-c:a', 'aac', '-b:a', `${rung.audioKbps}k`, '-ac', '2', '-ar', '48000'] : []),
    ...['-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_playlist_type', 'vod'],
    ...['-hls_segment_filename', 'segment_%03d.ts', 'index.m3u8'],
  ];
}

/** One frame, seeked to before decoding (fast), no taller than the top rendition. */
export function thumbnailArgs(input: string, atSeconds: number, height: number, inputFormats: string): string[] {
  return [
    ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-nostats'],
    ...inputOptions(inputFormats),
    ...['-ss', atSeconds.toFixed(3), '-i', input, '-frames:v', '1', '-vf', `scale=-2:${height}`, '-q:v', '3'],
    'thumbnail.jpg',
  ];
}

/**
 * Only real video containers, read only from the local file: a playlist or concat list dressed up as a video
 * would otherwise make ffmpeg fetch URLs or read other files on this machine.
 */
export function inputOptions(inputFormats: string): string[] {
  return ['-format_whitelist', inputFormats, '-protocol_whitelist', 'file'];
}
