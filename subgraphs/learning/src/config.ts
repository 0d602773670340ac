import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** Learning's own variables: how videos are processed and how long playback links live. */
const learningSchema = z.object({
  /** FFmpeg and ffprobe; by default the static builds the npm packages ship. */
  FFMPEG_PATH: z.string().min(1).optional(),
  FFPROBE_PATH: z.string().min(1).optional(),
  /** Longer sources are refused (FAILED, with the limit in the reason) before any encoding. */
  LEARNING_MAX_VIDEO_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(4 * 3600),
  /** Transcodes at once in one process: FFmpeg takes a core each, and the API needs the rest. */
  LEARNING_TRANSCODE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  /** One transcode is stopped (and retried) after this long. */
  LEARNING_TRANSCODE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(10_000)
    .default(2 * 3600_000),
  /** How long a `playback` URL (and every playlist and segment it leads to) stays valid. */
  LEARNING_PLAYBACK_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(4 * 3600),
  /**
   * Signs playback URLs. Every learning process must share it; unset, each process makes its own,
   * so its URLs die with it (fine for one process, as `npm start` runs).
   */
  LEARNING_MEDIA_SECRET: z.string().min(32, 'at least 32 characters').optional(),
});

export type LearningConfig = z.infer<typeof learningSchema>;

export const learningConfig: ConfigSlice<LearningConfig> = (env) => readSlice(learningSchema, env);
