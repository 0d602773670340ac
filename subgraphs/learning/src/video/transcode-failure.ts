/** Why a video cannot be published; stable codes the API and the UI branch on. */
export type TranscodeFailureReason = 'NOT_A_VIDEO' | 'CORRUPT' | 'TOO_LONG' | 'TIMED_OUT' | 'ABORTED';

/**
 * A failure retrying will not fix (or a deliberate stop): its message is meant for the instructor who uploaded
 * the file. Anything else the transcoder throws (ffmpeg crashing, a full disk) is worth a retry.
 */
export class TranscodeFailure extends Error {
  override name = 'TranscodeFailure';

  constructor(
    readonly reason: TranscodeFailureReason,
    message: string,
    /** The tool's last stderr lines, for the logs only: they quote paths and internals. */
    readonly stderrTail: string[] = [],
  ) {
    super(message);
  }
}

export const notAVideo = (stderrTail?: string[]) =>
  new TranscodeFailure('NOT_A_VIDEO', 'This file has no video track; upload an MP4, MOV or WebM video.', stderrTail);

export const corrupt = (stderrTail?: string[]) =>
  new TranscodeFailure(
    'CORRUPT',
    'This video could not be read: the file looks damaged or incomplete. Export it again and re-upload it.',
    stderrTail,
  );

export const tooLong = (durationSeconds: number, maxDurationSeconds: number) =>
  new TranscodeFailure(
    'TOO_LONG',
    `This video is ${clock(durationSeconds)} long; a lecture can be at most ${clock(maxDurationSeconds)}. ` +
      'Trim it or split it into several lectures.',
  );

export const timedOut = () =>
  new TranscodeFailure(
    'TIMED_OUT',
    'Processing this video took too long and was stopped. Try a shorter video or a lower resolution (1080p or less).',
  );

export const aborted = () => new TranscodeFailure('ABORTED', 'Processing of this video was cancelled.');

/** 1:02:03, 4:05 */
function clock(totalSeconds: number): string {
  const seconds = Math.ceil(totalSeconds);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
