import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { VideoBinaries } from './ffmpeg.js';
import { parsePlaylist } from './hls.js';
import { audioCodec, inputOptions, renditionArgs, type Rung, rungsFor, thumbnailArgs, videoCodec } from './ladder.js';
import { runTool, ToolFailed, ToolStopped } from './run-tool.js';
import { aborted, corrupt, notAVideo, timedOut, tooLong } from './transcode-failure.js';

export { TranscodeFailure, type TranscodeFailureReason } from './transcode-failure.js';

export interface TranscoderLimits {
  /** The whole transcode, probe included, is stopped with TIMED_OUT after this long. */
  timeoutSeconds: number;
}

export interface Probe {
  durationSeconds: number;
  /** As displayed: a phone video recorded upright reports its rotated size. */
  width: number;
  height: number;
  hasAudio: boolean;
}

export interface Rendition {
  name: Rung['name'];
  width: number;
  height: number;
  /** Peak bits per second over one segment, as HLS's BANDWIDTH means it. */
  bandwidth: number;
  playlist: string;
}

export interface TranscodeResult {
  durationSeconds: number;
  width: number;
  height: number;
  renditions: Rendition[];
  master: 'master.m3u8';
  thumbnail: 'thumbnail.jpg';
}

export interface TranscodeOptions {
  maxDurationSeconds: number;
  signal?: AbortSignal;
  /** Called with a fraction that only grows, ending at exactly 1. */
  onProgress?: (fraction: number) => void;
}

// The mov demuxer covers MP4, MOV, M4V and 3GP; matroska covers WebM.
const inputFormats = 'mov,matroska,webm,avi,mpegts,mpeg,flv,asf,ogg';

export class Transcoder {
  constructor(
    private readonly binaries: VideoBinaries,
    private readonly limits: TranscoderLimits,
  ) {}

  async probe(inputPath: string, signal?: AbortSignal): Promise<Probe> {
    return this.stoppable(signal, (combined) => this.probeWith(inputPath, combined));
  }

  /**
   * Encodes a video to HLS in outDir (a fresh directory, removed again if this fails): a folder per rendition,
   * master.m3u8 and thumbnail.jpg. Its length is checked before any encoding starts.
   */
  async transcode(inputPath: string, outDir: string, options: TranscodeOptions): Promise<TranscodeResult> {
    try {
      return await this.stoppable(options.signal, (signal) => this.transcodeWith(inputPath, outDir, options, signal));
    } catch (error) {
      await rm(outDir, { recursive: true, force: true });
      throw error;
    }
  }

  private async transcodeWith(
    inputPath: string,
    outDir: string,
    options: TranscodeOptions,
    signal: AbortSignal,
  ): Promise<TranscodeResult> {
    const input = `file:${resolve(inputPath)}`;
    const source = await this.probeWith(inputPath, signal);
    if (source.durationSeconds > options.maxDurationSeconds)
      throw tooLong(source.durationSeconds, options.maxDurationSeconds);

    const rungs = rungsFor(source.height);
    const progress = progressReporter(options.onProgress);
    const renditions: Rendition[] = [];
    for (const [index, rung] of rungs.entries()) {
      const folder = join(outDir, rung.name);
      await mkdir(folder, { recursive: true });
      await this.ffmpeg(renditionArgs(input, rung, source.hasAudio, inputFormats), folder, signal, (seconds) =>
        progress.encoding((index + Math.min(seconds / source.durationSeconds, 1)) / rungs.length),
      );
      renditions.push({
        name: rung.name,
        width: evenWidth(source, rung.height),
        height: rung.height,
        bandwidth: await peakBandwidth(folder),
        playlist: `${rung.name}/index.m3u8`,
      });
    }
    const top = rungs[rungs.length - 1] as Rung;
    await this.ffmpeg(thumbnailArgs(input, source.durationSeconds * 0.1, top.height, inputFormats), outDir, signal);
    await writeFile(join(outDir, 'master.m3u8'), masterPlaylist(renditions, source.hasAudio));
    progress.done();
    const { durationSeconds, width, height } = source;
    return { durationSeconds, width, height, renditions, master: 'master.m3u8', thumbnail: 'thumbnail.jpg' };
  }

  private async probeWith(inputPath: string, signal: AbortSignal): Promise<Probe> {
    const args = [
      ...['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'],
      ...inputOptions(inputFormats),
    ];
    let json: string;
    try {
      json = await runTool(this.binaries.ffprobePath, [...args, `file:${resolve(inputPath)}`], {
        signal,
        environment: this.binaries.environment,
      });
    } catch (error) {
      // ffprobe says "Invalid data" for a text file and a truncated MP4 alike; only the first bytes tell them apart.
      if (error instanceof ToolFailed && error.exitCode !== null)
        throw (await looksLikeVideoContainer(inputPath)) ? corrupt(error.stderrTail) : notAVideo(error.stderrTail);
      throw error;
    }
    return probeOf(JSON.parse(json) as FfprobeOutput);
  }

  private async ffmpeg(args: string[], cwd: string, signal: AbortSignal, onSeconds?: (seconds: number) => void) {
    try {
      await runTool(this.binaries.ffmpegPath, args, {
        signal,
        cwd,
        environment: this.binaries.environment,
        onStdoutLine: (line) => {
          // -progress writes key=value lines; out_time_us is in ffmpeg 4.1+ (out_time_ms, despite its name, too).
          const match = line.match(/^out_time_us=(\d+)$/);
          if (match && onSeconds) onSeconds(Number(match[1]) / 1e6);
        },
      });
    } catch (error) {
      // The file probed fine but its frames do not decode.
      if (error instanceof ToolFailed && error.exitCode !== null && unreadable(error.stderrTail))
        throw corrupt(error.stderrTail);
      throw error;
    }
  }

  /** Runs work under the caller's signal and our time limit, turning a stop into ABORTED or TIMED_OUT. */
  private async stoppable<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = AbortSignal.timeout(this.limits.timeoutSeconds * 1000);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      return await work(combined);
    } catch (error) {
      if (!(error instanceof ToolStopped) && !combined.aborted) throw error;
      throw (combined.reason as Error | undefined)?.name === 'TimeoutError' ? timedOut() : aborted();
    }
  }
}

interface FfprobeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}
interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { duration?: string };
}

function probeOf(output: FfprobeOutput): Probe {
  const streams = output.streams ?? [];
  // An MP3's or M4A's cover art is a one-frame "video" stream.
  const video = streams.find((stream) => stream.codec_type === 'video' && stream.disposition?.attached_pic !== 1);
  if (!video) throw notAVideo();
  const durationSeconds = Number.parseFloat(output.format?.duration ?? video.duration ?? '');
  if (!video.width || !video.height || !(durationSeconds > 0)) throw corrupt();
  const rotation = Number(video.tags?.rotate ?? video.side_data_list?.find((data) => data.rotation)?.rotation ?? 0);
  const upright = Math.abs(rotation) % 180 === 90;
  return {
    durationSeconds,
    width: upright ? video.height : video.width,
    height: upright ? video.width : video.height,
    hasAudio: streams.some((stream) => stream.codec_type === 'audio'),
  };
}

/** What scale=-2:height gives: the source's aspect ratio, rounded to an even width. */
function evenWidth(source: Probe, height: number): number {
  return Math.round((source.width * height) / source.height / 2) * 2;
}

async function peakBandwidth(folder: string): Promise<number> {
  const playlist = parsePlaylist(await readFile(join(folder, 'index.m3u8'), 'utf8'));
  if (playlist.kind !== 'media' || playlist.segments.length === 0) throw new Error(`No segments in ${folder}`);
  let peak = 0;
  for (const segment of playlist.segments) {
    const { size } = await stat(join(folder, segment.uri));
    // A final sliver of a segment would overstate the rate; count it as at least one second.
    peak = Math.max(peak, (size * 8) / Math.max(segment.durationSeconds, 1));
  }
  return Math.ceil(peak);
}

function masterPlaylist(renditions: Rendition[], hasAudio: boolean): string {
  const codecs = hasAudio ? `${videoCodec},${audioCodec}` : videoCodec;
  const variants = renditions.map(
    (rendition) =>
      `#EXT-X-STREAM-INF:BANDWIDTH=${rendition.bandwidth},RESOLUTION=${rendition.width}x${rendition.height},` +
      `CODECS="${codecs}"\n${rendition.playlist}`,
  );
  return ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS', ...variants, ''].join('\n');
}

/** Encoding reports up to 0.99: the thumbnail and the master playlist come after; `done` says 1. */
function progressReporter(onProgress: ((fraction: number) => void) | undefined) {
  let last = 0;
  const report = (fraction: number) => {
    // -progress repeats a time when nothing moved; the caller is promised a fraction that only grows.
    if (fraction <= last) return;
    last = fraction;
    onProgress?.(fraction);
  };
  return { encoding: (fraction: number) => report(Math.min(fraction, 0.99)), done: () => report(1) };
}

// Signatures of containers people export video in: ISO BMFF (MP4, MOV), Matroska/WebM, AVI, MPEG-TS, MPEG-PS,
// FLV, ASF (WMV), Ogg.
async function looksLikeVideoContainer(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  const head = Buffer.alloc(189);
  try {
    await file.read(head, 0, head.length, 0);
  } finally {
    await file.close();
  }
  const box = head.toString('latin1', 4, 8);
  return (
    ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip'].includes(box) ||
    head.readUInt32BE(0) === 0x1a45dfa3 ||
    (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'AVI ') ||
    (head[0] === 0x47 && head[188] === 0x47) || // MPEG-TS packets are 188 bytes, each starting with 0x47
    head.readUInt32BE(0) === 0x000001ba ||
    head.toString('latin1', 0, 3) === 'FLV' ||
    head.readUInt32BE(0) === 0x3026b275 ||
    head.toString('latin1', 0, 4) === 'OggS'
  );
}

function unreadable(stderrTail: string[]): boolean {
  return stderrTail.some((line) => /Invalid data found|moov atom not found|Error while decoding|corrupt/i.test(line));
}
