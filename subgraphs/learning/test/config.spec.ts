import { learningConfig } from '#src/config';
import { readSliceOf } from '@peerlink/platform/testing/config-problems';
import { describe, expect, it } from 'vitest';

describe('learning’s configuration', () => {
  it('transcodes one video at a time, up to 4 hours long, unless told otherwise', () => {
    expect(readSliceOf(learningConfig)).toMatchObject({
      LEARNING_TRANSCODE_CONCURRENCY: 1,
      LEARNING_MAX_VIDEO_SECONDS: 14_400,
      LEARNING_PLAYBACK_SECONDS: 14_400,
    });
    expect(readSliceOf(learningConfig, { FFMPEG_PATH: '/usr/bin/ffmpeg' }).FFMPEG_PATH).toBe('/usr/bin/ffmpeg');
    for (const bad of ['0', '17', '1.5', 'many'])
      expect(() => readSliceOf(learningConfig, { LEARNING_TRANSCODE_CONCURRENCY: bad })).toThrow(
        /LEARNING_TRANSCODE_CONCURRENCY/,
      );
    expect(() => readSliceOf(learningConfig, { LEARNING_TRANSCODE_TIMEOUT_MS: '5' })).toThrow(
      /LEARNING_TRANSCODE_TIMEOUT_MS/,
    );
  });

  it('signs playback links with a secret of 32 characters or more, for a minute to a day', () => {
    expect(() => readSliceOf(learningConfig, { LEARNING_MEDIA_SECRET: 'short' })).toThrow(/LEARNING_MEDIA_SECRET/);
    for (const bad of ['59', '86401'])
      expect(() => readSliceOf(learningConfig, { LEARNING_PLAYBACK_SECONDS: bad })).toThrow(
        /LEARNING_PLAYBACK_SECONDS/,
      );
  });
});
