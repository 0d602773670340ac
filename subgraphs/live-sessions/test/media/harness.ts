import type { MediaListener, MediaRole, PublishedTrack } from '../../src/media/media-server.js';
import { WeriftSfu } from '../../src/media/werift-sfu.js';
import { MediaPeer, type Source } from '../../src/media/media-client.js';

interface JoinOptions {
  publish?: Source[];
  /** Rewrites this client's answers (a misbehaving client). */
  tamper?: (sdp: string) => string;
  /** Keep offers without answering them, for a test to answer by hand. */
  manual?: boolean;
}

/** The SFU with its listener wired straight to in-process client peers: signalling without GraphQL. */
export class SfuHarness {
  readonly peers = new Map<string, MediaPeer>();
  readonly roles = new Map<string, MediaRole>();
  readonly tracks = new Map<string, PublishedTrack[]>();
  /** Answers the SFU refused, by user. */
  readonly refusals = new Map<string, unknown[]>();
  readonly pendingOffers = new Map<string, string[]>();
  private readonly manual = new Set<string>();
  readonly sfu: WeriftSfu;

  constructor(
    readonly sessionId = 'session-1',
    recordingsDir?: string,
  ) {
    const listener: MediaListener = {
      toParticipant: (sessionId, userId, signal) => {
        if (sessionId !== this.sessionId || signal.kind !== 'OFFER') return;
        if (this.manual.has(userId)) {
          this.pendingOffers.set(userId, [...(this.pendingOffers.get(userId) ?? []), signal.sdp]);
          return;
        }
        this.peers
          .get(userId)
          ?.takeOffer(signal.sdp)
          .catch((error) => this.refusals.set(userId, [...(this.refusals.get(userId) ?? []), error]));
      },
      tracksChanged: (sessionId, userId, tracks) => {
        if (sessionId === this.sessionId) this.tracks.set(userId, tracks);
      },
    };
    this.sfu = new WeriftSfu(listener, { iceServers: [], recordingsDir });
  }

  participant(userId: string) {
    return { sessionId: this.sessionId, userId, role: this.roles.get(userId) ?? 'SPEAKER' };
  }

  async join(userId: string, role: MediaRole, options: JoinOptions = {}): Promise<MediaPeer> {
    this.roles.set(userId, role);
    if (options.manual) this.manual.add(userId);
    const peer = new MediaPeer(
      (sdp) => this.sfu.signal(this.participant(userId), { kind: 'ANSWER', sdp }),
      options.tamper,
    );
    for (const source of options.publish ?? []) peer.publish(source);
    this.peers.set(userId, peer);
    await this.sfu.join(this.participant(userId));
    return peer;
  }

  async close() {
    await this.sfu.close();
    for (const peer of this.peers.values()) await peer.close();
  }
}
