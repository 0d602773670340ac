import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoBinaries } from '#src/video/ffmpeg';
import { parsePlaylist } from '#src/video/hls';
import { TranscodeFailure } from '#src/video/transcode-failure';
import { Transcoder } from '#src/video/transcoder';

const run = promisify(execFile);
const binaries = videoBinaries(process.env);
const transcoder = new Transcoder(binaries, { timeoutSeconds: 60 });
const hour = 3600;

let work: string;
const input = (name: string) => join(work, name);

async function ffmpeg(...args: string[]) {
  await run(binaries.ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

async function ffprobe(path: string) {
  const { stdout } = await run(
    binaries.ffprobePath,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
    { env: { ...process.env, ...binaries.environment } },
  );
  return JSON.parse(stdout) as { format: { duration: string }; streams: { codec_type: string; height?: number }[] };
}

async function failureOf(promise: Promise<unknown>): Promise<TranscodeFailure> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(error instanceof TranscodeFailure)) throw new Error(`Expected a TranscodeFailure, got ${String(error)}`);
  return error;
}

/** Processes whose command line names this path: the transcoder's ffmpeg runs on our temporary inputs. */
async function processesReading(path: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(path) && !commandLine.includes('vitest')) pids.push(Number(entry));
  }
  return pids;
}

const testPattern = (size: string) => ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=15`];
const fast = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'transcoder-'));
  await Promise.all([
    ffmpeg(
      ...testPattern('1280x720'),
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440',
      '-t',
      '5',
      ...fast,
      input('720p.mp4'),
    ),
    ffmpeg(...testPattern('320x240'), '-t', '2', ...fast, input('240p.mp4')),
    // Long enough that its 360p encode outlasts ffmpeg's first progress report (every 0.5 s) several times over.
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=30', '-t', '30', ...fast, input('long.mp4')),
    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '2', '-c:a', 'aac', input('audio.m4a')),
    ffmpeg(...testPattern('320x240'), '-t', '1', ...fast, '-f', 'mpegts', input('camcorder.ts')),
    writeFile(input('notes.txt'), 'Week 1: introduction\nWeek 2: recursion\n'),
  ]);
  // Cut mid-file: an MP4 from ffmpeg (or a phone) keeps its index (moov) at the end, so this one has none.
  await copyFile(input('720p.mp4'), input('truncated.mp4'));
  await truncate(input('truncated.mp4'), 40_000);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('Transcoder', () => {
  it('probes duration, size and audio', async () => {
    const probe = await transcoder.probe(input('720p.mp4'));
    expect(probe).toMatchObject({ width: 1280, height: 720, hasAudio: true });
    expect(probe.durationSeconds).toBeCloseTo(5, 0);
    expect(await transcoder.probe(input('240p.mp4'))).toMatchObject({ width: 320, height: 240, hasAudio: false });
    // The packaged ffprobe crashes on MPEG-TS unless videoBinaries found it glibc's converters.
    expect(await transcoder.probe(input('camcorder.ts'))).toMatchObject({ width: 320, height: 240 });
  });

  it('encodes 360p and 720p HLS with a master playlist, a thumbnail and growing progress', async () => {
    const out = join(work, 'out-720p');
    const progress: number[] = [];
    const started = performance.now();
    const result = await transcoder.transcode(input('720p.mp4'), out, {
      maxDurationSeconds: hour,
      onProgress: (fraction) => progress.push(fraction),
    });
    const wallSeconds = (performance.now() - started) / 1000;
    console.info(`5 s of 720p transcoded in ${wallSeconds.toFixed(2)} s: ${(5 / wallSeconds).toFixed(1)}x real time`);

    expect(result).toMatchObject({ width: 1280, height: 720, master: 'master.m3u8', thumbnail: 'thumbnail.jpg' });
    expect(result.renditions.map(({ name, width, height, playlist }) => ({ name, width, height, playlist }))).toEqual([
      { name: '360p', width: 640, height: 360, playlist: '360p/index.m3u8' },
      { name: '720p', width: 1280, height: 720, playlist: '720p/index.m3u8' },
    ]);
    for (const rendition of result.renditions) {
      const probe = await ffprobe(join(out, rendition.playlist));
      expect(probe.streams.find((stream) => stream.codec_type === 'video')?.height).toBe(rendition.height);
      expect(probe.streams.some((stream) => stream.codec_type === 'audio')).toBe(true);
      expect(Math.abs(Number(probe.format.duration) - 5)).toBeLessThanOrEqual(0.5);
      const media = parsePlaylist(await readFile(join(out, rendition.playlist), 'utf8'));
      if (media.kind !== 'media') throw new Error('expected a media playlist');
      // ~4 s segments, named relative to the playlist, inside the rendition's folder.
      expect(media.segments.map((segment) => segment.uri)).toEqual(['segment_000.ts', 'segment_001.ts']);
      expect(media.segments[0]?.durationSeconds).toBeCloseTo(4, 0);
      for (const segment of media.segments) expect(existsSync(join(out, rendition.name, segment.uri))).toBe(true);
    }

    const master = parsePlaylist(await readFile(join(out, 'master.m3u8'), 'utf8'));
    expect(master).toEqual({
      kind: 'master',
      variants: result.renditions.map((rendition) => ({
        bandwidth: rendition.bandwidth,
        resolution: { width: rendition.width, height: rendition.height },
        codecs: 'avc1.4d4028,mp4a.40.2',
        uri: rendition.playlist,
      })),
    });
    const [low, high] = result.renditions;
    expect(low?.bandwidth).toBeGreaterThan(50_000);
    expect(high?.bandwidth).toBeGreaterThan(low?.bandwidth ?? Number.POSITIVE_INFINITY);

    const thumbnail = await ffprobe(join(out, 'thumbnail.jpg'));
    expect(thumbnail.streams[0]).toMatchObject({ codec_type: 'video', height: 720 });

    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (const [index, fraction] of progress.entries()) {
      expect(fraction).toBeGreaterThan(index === 0 ? 0 : (progress[index - 1] as number));
    }
    expect(progress.at(-1)).toBe(1);
  });

  it('gives a source under 360p one rendition at its own height, without audio when it has none', async () => {
    const out = join(work, 'out-240p');
    const result = await transcoder.transcode(input('240p.mp4'), out, { maxDurationSeconds: hour });
    expect(result.renditions).toMatchObject([{ name: '240p', width: 320, height: 240, playlist: '240p/index.m3u8' }]);
    const probe = await ffprobe(join(out, '240p/index.m3u8'));
    expect(probe.streams.map((stream) => [stream.codec_type, stream.height])).toEqual([['video', 240]]);
    expect(Math.abs(Number(probe.format.duration) - 2)).toBeLessThanOrEqual(0.5);
    const master = parsePlaylist(await readFile(join(out, 'master.m3u8'), 'utf8'));
    expect(master.kind === 'master' && master.variants.map((variant) => variant.codecs)).toEqual(['avc1.4d4028']);
  });

  it('calls a text file and an audio-only file NOT_A_VIDEO', async () => {
    for (const name of ['notes.txt', 'audio.m4a']) {
      const failure = await failureOf(
        transcoder.transcode(input(name), join(work, `out-${name}`), { maxDurationSeconds: hour }),
      );
      expect(failure.reason).toBe('NOT_A_VIDEO');
      expect(failure.message).toBe('This file has no video track; upload an MP4, MOV or WebM video.');
      expect(existsSync(join(work, `out-${name}`))).toBe(false);
    }
  });

  it('calls an MP4 cut short CORRUPT, keeping ffprobe’s words for the logs only', async () => {
    const failure = await failureOf(transcoder.probe(input('truncated.mp4')));
    expect(failure.reason).toBe('CORRUPT');
    expect(failure.message).not.toMatch(/moov|Invalid data|\//);
    expect(failure.stderrTail.join('\n')).toMatch(/moov atom not found/);
  });

  it('refuses a video over the limit before encoding anything', async () => {
    // An ffmpeg that does not exist: reaching the encoder would fail with ENOENT, not TOO_LONG.
    const probeOnly = new Transcoder({ ...binaries, ffmpegPath: join(work, 'no-ffmpeg') }, { timeoutSeconds: 60 });
    const failure = await failureOf(
      probeOnly.transcode(input('720p.mp4'), join(work, 'out-long'), { maxDurationSeconds: 3 }),
    );
    expect(failure.reason).toBe('TOO_LONG');
    expect(failure.message).toBe(
      'This video is 0:05 long; a lecture can be at most 0:03. Trim it or split it into several lectures.',
    );
  });

  it('kills ffmpeg when aborted mid-encode and reports ABORTED', async () => {
    const controller = new AbortController();
    const progress: number[] = [];
    let running: number[] | undefined;
    const transcoding = transcoder.transcode(input('long.mp4'), join(work, 'out-aborted'), {
      maxDurationSeconds: hour,
      signal: controller.signal,
      onProgress: async (fraction) => {
        progress.push(fraction);
        if (running) return;
        running = [];
        running = await processesReading(input('long.mp4'));
        controller.abort();
      },
    });
    const failure = await failureOf(transcoding);
    expect(failure.reason).toBe('ABORTED');
    expect(running).toHaveLength(1);
    expect(await processesReading(input('long.mp4'))).toEqual([]);
    // Killed, not left to finish: the first rendition (half the work, ~0.5) never got near its end.
    expect(Math.max(...progress)).toBeLessThan(0.4);
    expect(existsSync(join(work, 'out-aborted'))).toBe(false);
  });

  it('stops with TIMED_OUT past its time limit', async () => {
    const impatient = new Transcoder(binaries, { timeoutSeconds: 0.5 });
    const progress: number[] = [0];
    const failure = await failureOf(
      impatient.transcode(input('long.mp4'), join(work, 'out-timeout'), {
        maxDurationSeconds: hour,
        onProgress: (fraction) => progress.push(fraction),
      }),
    );
    expect(failure.reason).toBe('TIMED_OUT');
    expect(failure.message).toMatch(/took too long/);
    expect(Math.max(...progress)).toBeLessThan(0.4);
    expect(await processesReading(input('long.mp4'))).toEqual([]);
  });
});
