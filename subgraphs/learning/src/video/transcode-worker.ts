import { consumeObserved } from '@peerlink/platform/events/consumer';
import { subgraphMetrics } from '@peerlink/platform/metrics';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { LearningEvents } from '@peerlink/contracts/learning';
import type { EventBus, Unsubscribe } from '@peerlink/platform/events/event-bus';
import type { Logger } from '@peerlink/platform/logger';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import type { Lecture } from '../curriculum.entity.js';
import { mediaKey, mediaPrefix, mediaType } from './media-keys.js';
import { TranscodeFailure, type Transcoder } from './transcoder.js';
import type { VideoService } from './video.service.js';

type Job = LearningEvents['learning.video.transcode_requested'];

export interface TranscodeSettings {
  concurrency: number;
  maxDurationSeconds: number;
  /** The bus's EVENT_MAX_ATTEMPTS: the try that reaches it and fails gives the job up. */
  maxAttempts: number;
}

/** Failures the instructor can act on: no retry would change them. */
const FINAL = new Set(['NOT_A_VIDEO', 'CORRUPT', 'TOO_LONG']);
const PROGRESS_EVERY_MS = 1000;

/**
 * Runs transcode jobs from learning's queue, a bounded number at a time so FFmpeg cannot starve the
 * API. A job is claimed, transcoded in a scratch folder with no transaction open, its files stored
 * under the job's own prefix, and recorded. A crash or an FFmpeg error leaves the event
 * unacknowledged, so the bus retries it; the last allowed try marks the lecture FAILED and the event
 * becomes a dead letter.
 */
const CONSUMER = 'learning-transcoder';

export class TranscodeWorker {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly storage: ObjectStorage,
    private readonly videos: VideoService,
    private readonly transcoder: Transcoder,
    private readonly settings: TranscodeSettings,
    private readonly logger: Logger,
  ) {}

  start(): Promise<Unsubscribe> {
    return consumeObserved(
      this.bus,
      'learning',
      CONSUMER,
      ['learning.video.transcode_requested'],
      (event) => this.run(event.payload as Job),
      { longRunning: true },
    );
  }

  private async run(job: Job) {
    await this.slot();
    try {
      const lecture = await this.videos.claim(job.jobId, job.lectureId);
      if (!lecture) return;
      const startedAt = performance.now();
      let outcome: 'done' | 'failed' = 'failed';
      try {
        outcome = await this.transcode(job, lecture);
      } finally {
        transcodeDuration().observe({ outcome }, (performance.now() - startedAt) / 1000);
      }
    } finally {
      // A waiting job takes the slot over as it is; otherwise it is free.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /** `failed` when the video can never be processed (the lecture says why); throws to be tried again. */
  private async transcode(job: Job, lecture: Lecture): Promise<'done' | 'failed'> {
    const scratch = await mkdtemp(join(tmpdir(), 'peerlink-transcode-'));
    const prefix = mediaPrefix(lecture.id, job.jobId);
    try {
      const source = join(scratch, 'source');
      const bytes = await this.storage.read(job.storageKey);
      if (!bytes) {
        await this.videos.failed(lecture, 'The uploaded file is gone; upload it again.');
        return 'failed';
      }
      await pipeline(bytes, createWriteStream(source));
      let reported = 0;
      let reportedAt = 0;
      const out = join(scratch, 'out');
      const result = await this.transcoder.transcode(source, out, {
        maxDurationSeconds: this.settings.maxDurationSeconds,
        onProgress: (fraction) => {
          if (fraction - reported < 0.02 || Date.now() - reportedAt < PROGRESS_EVERY_MS) return;
          [reported, reportedAt] = [fraction, Date.now()];
          void this.videos.progress(lecture, fraction).catch((err) => this.logger.warn({ err }, 'progress not kept'));
        },
      });
      const keys = await this.store(out, prefix);
      if (!(await this.videos.ready(lecture, { durationSeconds: result.durationSeconds, prefix })))
        await this.storage.delete(keys);
      return 'done';
    } catch (error) {
      if (error instanceof TranscodeFailure && FINAL.has(error.reason)) {
        await this.videos.failed(lecture, error.message);
        return 'failed';
      }
      this.logger.warn({ err: error, jobId: job.jobId, attempt: lecture.videoAttempts }, 'transcode failed');
      if (lecture.videoAttempts >= this.settings.maxAttempts)
        await this.videos.failed(
          lecture,
          `The video could not be processed after ${lecture.videoAttempts} tries. Try again, or export it ` +
            'again as MP4 (H.264) and upload that.',
        );
      throw error;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Every file FFmpeg wrote, under the job's prefix; their keys. */
  private async store(folder: string, prefix: string): Promise<string[]> {
    const files = (await readdir(folder, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    const keys: string[] = [];
    for (const file of files) {
      const path = relative(folder, join(file.parentPath, file.name));
      const key = mediaKey(prefix, path);
      await this.storage.put(key, await readFile(join(folder, path)), mediaType(path));
      keys.push(key);
    }
    return keys;
  }

  private async slot() {
    if (this.running < this.settings.concurrency) this.running += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
}

/** One transcode, every rendition and the upload of its files: how long a lecture's video takes to be ready. */
const transcodeDuration = () =>
  subgraphMetrics('learning').histogram<'outcome'>({
    name: 'peerlink_transcode_duration_seconds',
    help: 'Lecture video transcodes, from claim to stored renditions, by outcome (done or failed)',
    labelNames: ['outcome'],
    buckets: [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 3600],
  });
