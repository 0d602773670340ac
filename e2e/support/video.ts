import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { videoBinaries } from '@peerlink/learning';

const run = promisify(execFile);

/** The binaries learning runs (FFMPEG_PATH / FFPROBE_PATH win, as there), with the environment they need. */
const binaries = videoBinaries(process.env);
export const { ffmpegPath, ffprobePath } = binaries;
const toolEnv = { ...process.env, ...binaries.environment };

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
