import {
  type IceServer,
  type MediaJoin,
  type MediaListener,
  MediaRefused,
  type MediaServer,
  type RecordedFile,
} from './media-server.js';

/** Placeholder until the embedded SFU lands: admits nobody, so everything but media works. */
export class WeriftSfu implements MediaServer {
  readonly kind = 'embedded' as const;

  constructor(
    readonly listener: MediaListener,
    readonly options: { iceServers: IceServer[] },
  ) {}

  async join(): Promise<MediaJoin> {
    throw new MediaRefused('media not available', 'CONFLICT');
  }

  async signal(): Promise<void> {
    throw new MediaRefused('media not available', 'CONFLICT');
  }

  async updateRole(): Promise<void> {}
  async mute(): Promise<void> {}
  async leave(): Promise<void> {}
  async endSession(): Promise<void> {}
  async startRecording(): Promise<void> {
    throw new MediaRefused('media not available', 'CONFLICT');
  }
  async stopRecording(): Promise<RecordedFile | null> {
    return null;
  }
  async close(): Promise<void> {}
}
