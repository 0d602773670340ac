import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { videoBinaries } from '@peerlink/learning';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { AddLectureDocument, AttachLectureVideoDocument, LectureDocument } from '../generated/graphql.js';
import { ok } from './client.js';
import { upload } from './drive.js';
import type { Account } from './marketplace.js';
import type { TestStack } from './stack.js';

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

/** A video lecture added to `sectionId` with `clip` uploaded through drive and transcoded: it returns once READY. */
export async function readyVideoLecture(
  t: TestStack,
  by: Account,
  sectionId: string,
  clip: Buffer,
  input: { title: string; isFreePreview?: boolean },
) {
  const { addLecture } = await ok(
    t.url,
    AddLectureDocument,
    { sectionId, input: { ...input, kind: 'VIDEO' } },
    by.token,
  );
  const file = await upload(t.url, by.token, `${addLecture.id}.mp4`, clip, { mimeType: 'video/mp4' });
  await ok(t.url, AttachLectureVideoDocument, { lectureId: addLecture.id, fileId: file.id }, by.token);
  await waitFor(
    `${input.title} to be READY`,
    async () => {
      const { video } = (await ok(t.url, LectureDocument, { id: addLecture.id }, by.token)).lecture;
      if (video?.status === 'FAILED') throw new Error(`transcode failed: ${video.failureReason}`);
      return video?.status === 'READY';
    },
    90_000,
  );
  return addLecture;
}
