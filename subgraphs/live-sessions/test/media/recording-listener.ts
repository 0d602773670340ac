import type { MediaListener, PublishedTrack } from '../../src/media/media-server.js';

/** What the adapter told live-sessions, recorded. */
export class RecordingListener implements MediaListener {
  readonly tracks: { sessionId: string; userId: string; tracks: PublishedTrack[] }[] = [];
  toParticipant(): void {
    throw new Error('LiveKit signals through LiveKit: nothing is addressed to a participant here');
  }
  tracksChanged(sessionId: string, userId: string, tracks: PublishedTrack[]): void {
    this.tracks.push({ sessionId, userId, tracks });
  }
}
