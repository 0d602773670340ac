/**
 * What carries a session's media, behind one interface: the embedded SFU (werift, in this process) or
 * an existing SFU such as LiveKit. GraphQL carries the signalling either way; this interface is all
 * the rest of live-sessions knows of media.
 *
 * Signalling with the embedded SFU has no glare by design: the SFU always makes the offers and the
 * client only answers. On join, and whenever what the participant sends or receives changes, the SFU
 * offers one peer connection holding
 *   - a receiving transceiver for each source the participant's role may publish (MICROPHONE audio,
 *     CAMERA video, SCREEN video; none for a VIEWER), with a mid the SFU maps to that source, and
 *   - a sending transceiver for each track the others publish.
 * The client answers, setting `sendonly` (and its track) on the sources it publishes. A track the SFU
 * did not offer cannot be sent at all, so a viewer can never publish.
 *
 * The embedded SFU's offers, as clients rely on them:
 *   - receiving m-lines have the mids `mic` (audio), `cam` and `screen` (video); the client answers
 *     `sendonly` on those it publishes and `inactive` on the others; answering that it sends on any other
 *     m-line is refused (FORBIDDEN), and so the whole answer is;
 *   - each sending m-line's msid is `<publisher's userId> <SOURCE>_<publisher's userId>`, e.g.
 *     `u1 SCREEN_u1`; an m-line whose publisher stopped turns `inactive` and may carry another track later;
 *   - codecs are Opus and VP8; offers carry their ICE candidates (nothing trickles from the SFU), while the
 *     client may trickle its own as CANDIDATE signals.
 * A muted source is not forwarded until the client stops sending it and sends it again (it answers
 * `inactive` then `sendonly` on later offers), or the participant joins again.
 */
export const SOURCE_MIDS = { MICROPHONE: 'mic', CAMERA: 'cam', SCREEN: 'screen' } as const;

export type MediaRole = 'HOST' | 'SPEAKER' | 'VIEWER';
export type TrackKind = 'AUDIO' | 'VIDEO';
export type TrackSource = 'MICROPHONE' | 'CAMERA' | 'SCREEN';

/** Who is connecting to which session, with the role they hold now. */
export interface MediaParticipant {
  sessionId: string;
  userId: string;
  role: MediaRole;
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** What a client needs to connect, as `joinSession` returns it. */
export interface MediaJoin {
  iceServers: IceServer[];
  /** A short-lived token for an external SFU (LiveKit's access token); null for the embedded SFU. */
  token: string | null;
  /** Where an external SFU is reached; null for the embedded SFU (its offer comes through `sessionEvent`). */
  url: string | null;
  expiresAt: Date;
}

/**
 * From a participant's client to the SFU (`sendSignal`). RENEGOTIATE asks for a new offer: the SFU always
 * offers, so a client that starts or stops sending a source (a screen share) needs one to answer differently.
 */
export type ClientSignal =
  | { kind: 'ANSWER'; sdp: string }
  | { kind: 'CANDIDATE'; candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }
  | { kind: 'RENEGOTIATE' };

/** From the SFU to one participant's client (a live-only `sessionEvent` for that participant alone). */
export type ServerSignal =
  | { kind: 'OFFER'; sdp: string }
  | { kind: 'CANDIDATE'; candidate: string; sdpMid: string | null; sdpMLineIndex: number | null };

export interface PublishedTrack {
  kind: TrackKind;
  source: TrackSource;
  muted: boolean;
}

/** A recording the SFU wrote, for live-sessions to store (no transaction open) and announce. */
export interface RecordedFile {
  path: string;
  mimeType: string;
  size: number;
  durationSeconds: number;
}

/** How the media server tells live-sessions what happened. */
export interface MediaListener {
  /** Deliver `signal` to this participant's client only. */
  toParticipant(sessionId: string, userId: string, signal: ServerSignal): void;
  /** What this participant publishes now (a track started, stopped, or was muted). */
  tracksChanged(sessionId: string, userId: string, tracks: PublishedTrack[]): void;
}

/** A signal the media server refuses: malformed SDP, a signal for a connection that is not there, a grant exceeded. */
export class MediaRefused extends Error {
  constructor(
    message: string,
    readonly code: 'BAD_USER_INPUT' | 'FORBIDDEN' | 'CONFLICT' = 'BAD_USER_INPUT',
  ) {
    super(message);
  }
}

export interface MediaServer {
  readonly kind: 'embedded' | 'livekit';
  /** Admits the participant with what their role allows (the embedded SFU then sends its first offer). */
  join(participant: MediaParticipant): Promise<MediaJoin>;
  /** An answer or ICE candidate from the participant's client; throws MediaRefused when it cannot be taken. */
  signal(participant: MediaParticipant, signal: ClientSignal): Promise<void>;
  /** The participant's role changed: what they may publish changes with it, renegotiated. */
  updateRole(participant: MediaParticipant): Promise<void>;
  /** Stops forwarding the participant's track from `source` (the host muted them) until they publish again. */
  mute(participant: MediaParticipant, source: TrackSource): Promise<void>;
  /** Closes the participant's connection (left, or removed: their media stops at once). */
  leave(sessionId: string, userId: string): Promise<void>;
  /** Closes every connection of the session. */
  endSession(sessionId: string): Promise<void>;
  /** Starts writing the session's tracks to a file; `stopRecording` (or `endSession`) finishes it. */
  startRecording(sessionId: string): Promise<void>;
  stopRecording(sessionId: string): Promise<RecordedFile | null>;
  close(): Promise<void>;
}
