import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface VideoBinaries {
  ffmpegPath: string;
  ffprobePath: string;
  /** Variables the binaries need in their environment, on top of the process's own. */
  environment: Record<string, string>;
}

// Where Debian, Ubuntu and Fedora keep glibc's character-set converters.
const gconvDirectories = ['/usr/lib/x86_64-linux-gnu/gconv', '/usr/lib/aarch64-linux-gnu/gconv', '/usr/lib64/gconv'];

/**
 * FFMPEG_PATH / FFPROBE_PATH (a system build, say) win; otherwise the static builds the npm packages ship.
 * The packages are loaded only when needed: they throw on a platform they have no build for.
 */
export function videoBinaries(env: {
  FFMPEG_PATH?: string;
  FFPROBE_PATH?: string;
  GCONV_PATH?: string;
}): VideoBinaries {
  const ffmpegPath = env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const ffprobePath = env.FFPROBE_PATH || (require('@ffprobe-installer/ffprobe') as { path: string }).path;
  // The packaged ffprobe is statically linked yet loads glibc's converters at run time to read an MPEG-TS
  // stream's service names; without GCONV_PATH it dies with SIGSEGV on every .ts file (camcorder .MTS
  // uploads, our own HLS segments).
  const gconv = env.GCONV_PATH ? undefined : gconvDirectories.find((directory) => existsSync(directory));
  return { ffmpegPath, ffprobePath, environment: gconv ? { GCONV_PATH: gconv } : {} };
}
