import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const run = promisify(execFile);

/** The same static builds learning runs (FFMPEG_PATH / FFPROBE_PATH win, as there). */
export const ffmpegPath: string = process.env.FFMPEG_PATH || require('@ffmpeg-installer/ffmpeg').path;
export const ffprobePath: string = process.env.FFPROBE_PATH || require('@ffprobe-installer/ffprobe').path;
// The packaged ffprobe reads MPEG-TS only with glibc's converters in reach (learning's ffmpeg.ts says why).
const gconv = ['/usr/lib/x86_64-linux-gnu/gconv', '/usr/lib/aarch64-linux-gnu/gconv'].find((d) => existsSync(d));
const toolEnv = { ...process.env, ...(gconv && !process.env.GCONV_PATH ? { GCONV_PATH: gconv } : {}) };

/** An MP4 made on the spot: FFmpeg's test pattern and a sine tone, `seconds` long, at `width`×`height`. */
export async function testVideo(seconds: number, width = 1280, height = 720): Promise<Buffer> {
  const folder = await mkdtemp(join(tmpdir(), 'peerlink-video-'));
  try {
    const out = join(folder, 'clip.mp4');
    await run(ffmpegPath, [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=15`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-shortest', '-movflags', '+faststart', out],
    ]);
    return await readFile(out);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** What ffprobe reads of a media URL or file: each stream's kind and size, and the duration in seconds. */
export async function probe(input: string) {
  const { stdout } = await run(
    ffprobePath,
    ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', input],
    { env: toolEnv },
  );
  const parsed = JSON.parse(stdout) as {
    streams: { codec_type: string; width?: number; height?: number }[];
    format: { duration: string };
  };
  return {
    durationSeconds: Number(parsed.format.duration),
    streams: parsed.streams.map((s) => ({ kind: s.codec_type, width: s.width, height: s.height })),
  };
}
