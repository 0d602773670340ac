import { accessSync, constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { videoBinaries } from '#src/video/ffmpeg';

describe('videoBinaries', () => {
  it('takes FFMPEG_PATH and FFPROBE_PATH when given', () => {
    const binaries = videoBinaries({ FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg', FFPROBE_PATH: '/opt/ffmpeg/bin/ffprobe' });
    expect(binaries).toMatchObject({ ffmpegPath: '/opt/ffmpeg/bin/ffmpeg', ffprobePath: '/opt/ffmpeg/bin/ffprobe' });
  });

  it('falls back to the executables the npm packages ship', () => {
    const { ffmpegPath, ffprobePath } = videoBinaries({});
    expect(ffmpegPath).toMatch(/@ffmpeg-installer\/.+\/ffmpeg$/);
    expect(ffprobePath).toMatch(/@ffprobe-installer\/.+\/ffprobe$/);
    for (const path of [ffmpegPath, ffprobePath]) expect(() => accessSync(path, constants.X_OK)).not.toThrow();
  });

  it('leaves a GCONV_PATH already set alone', () => {
    expect(videoBinaries({ GCONV_PATH: '/somewhere' }).environment).toEqual({});
  });
});
