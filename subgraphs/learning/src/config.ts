import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** Learning's own variables: how lecture videos are processed and played. */
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
  /** Signs playback links; random per process unless set (links then die with a restart), so set it for replicas. */
  LEARNING_MEDIA_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /**
   * How long a playback link and the segment links its playlists hand out stay valid: the longest lecture should
   * play through on one link, and a shared link dies with it.
   */
  LEARNING_PLAYBACK_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(4 * 3600),
  /**
   * How often watched time is told to analytics (learning.progress.recorded): heartbeats publish nothing
   * themselves, so a student's minutes reach the reports within this long.
   */
  LEARNING_PROGRESS_ANNOUNCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export type LearningConfig = z.infer<typeof learningSchema>;

export const learningConfig: ConfigSlice<LearningConfig> = (env) => readSlice(learningSchema, env);
