import { AppError } from '@peerlink/platform/errors';
import { withDeadline } from '@peerlink/platform/outside-call';
import {
  AccessToken,
  type ParticipantInfo,
  RoomServiceClient,
  TrackSource as LiveKitSource,
  TrackType,
  TwirpError,
  type VideoGrant,
  type WebhookEvent,
  WebhookReceiver,
} from 'livekit-server-sdk';
import {
  type ClientSignal,
  type IceServer,
  type MediaJoin,
  type MediaListener,
  type MediaParticipant,
  MediaRefused,
  type MediaRole,
  type MediaServer,
  type PublishedTrack,
  type RecordedFile,
  type TrackSource,
} from './media-server.js';

export interface LiveKitOptions {
  /** Where clients connect (`wss://…`), handed out by `join`. */
  url: string;
  /** LiveKit's server API (`https://…`), for this process only. */
  apiUrl: string;
  apiKey: string;
  apiSecret: string;
  iceServers: IceServer[];
  /** How long a join token admits its holder; a connected participant stays connected past it. */
  tokenSeconds?: number;
  /** A call to LiveKit's API not answered within this is given up (SERVICE_UNAVAILABLE). */
  deadlineMs?: number;
}

/** What each role may do in a LiveKit room, as a join token's grant and as a participant's live permission. */
interface RolePermission {
  canPublish: boolean;
  canSubscribe: boolean;
  canPublishData: boolean;
  /** Empty: every source (LiveKit's meaning of an unset list). */
  canPublishSources: LiveKitSource[];
}

const SPEAKER_SOURCES = [LiveKitSource.MICROPHONE, LiveKitSource.CAMERA, LiveKitSource.SCREEN_SHARE];

export function permissionOf(role: MediaRole): RolePermission {
  switch (role) {
    case 'HOST':
      return { canPublish: true, canSubscribe: true, canPublishData: true, canPublishSources: [] };
    case 'SPEAKER':
      return { canPublish: true, canSubscribe: true, canPublishData: false, canPublishSources: SPEAKER_SOURCES };
    case 'VIEWER':
      // Data too: a viewer sends nothing into the room.
      return { canPublish: false, canSubscribe: true, canPublishData: false, canPublishSources: [] };
  }
}

/**
 * The grant of a join token for `participant`: their room, and what their role allows. Never roomAdmin, even for a
 * host: it would let the host's client call LiveKit's server API for the room directly, around the GraphQL checks,
 * and keep doing so after a demotion until the token expires. Hosts moderate through GraphQL.
 */
export function grantOf(participant: MediaParticipant): VideoGrant {
  const { canPublishSources, ...permission } = permissionOf(participant.role);
  return {
    room: participant.sessionId,
    roomJoin: true,
    ...permission,
    ...(canPublishSources.length ? { canPublishSources } : {}),
  };
}

/** Our sources in LiveKit's terms; a screen share may carry its audio as a second track. */
const LIVEKIT_SOURCES: Record<TrackSource, LiveKitSource[]> = {
  MICROPHONE: [LiveKitSource.MICROPHONE],
  CAMERA: [LiveKitSource.CAMERA],
  SCREEN: [LiveKitSource.SCREEN_SHARE, LiveKitSource.SCREEN_SHARE_AUDIO],
};

/** A LiveKit track as live-sessions sees it; null for what is not media (data tracks). */
export function publishedTrackOf(track: {
  type: TrackType;
  source: LiveKitSource;
  muted: boolean;
}): PublishedTrack | null {
  if (track.type !== TrackType.AUDIO && track.type !== TrackType.VIDEO) return null;
  const kind = track.type === TrackType.AUDIO ? 'AUDIO' : 'VIDEO';
  const source: TrackSource =
    track.source === LiveKitSource.SCREEN_SHARE || track.source === LiveKitSource.SCREEN_SHARE_AUDIO
      ? 'SCREEN'
      : track.source === LiveKitSource.CAMERA
        ? 'CAMERA'
        : track.source === LiveKitSource.MICROPHONE
          ? 'MICROPHONE'
          : // A client that names no source: its audio is a microphone, its video a camera.
            kind === 'AUDIO'
            ? 'MICROPHONE'
            : 'CAMERA';
  return { kind, source, muted: track.muted };
}

const keyOf = (sessionId: string, userId: string) => `${sessionId} ${userId}`;

/** LiveKit's own "no such participant / room"; a bare 404 (a wrong API URL) is a failure like any other. */
const isNotFound = (error: unknown) => error instanceof TwirpError && error.code === 'not_found';

/**
 * The media of live sessions carried by an existing LiveKit deployment: a session is a LiveKit room
 * named by its id, a participant is identified by their user id. Clients signal with LiveKit directly
 * (its client SDKs, with the token `join` mints), so `signal` is refused; what they publish comes back
 * through LiveKit's webhooks (`handleWebhook`). The host's controls (role, mute, remove, end) are
 * LiveKit's server API, called with no transaction open: the caller commits first.
 */
export class LiveKitMediaServer implements MediaServer {
  readonly kind = 'livekit' as const;
  private readonly rooms: RoomServiceClient;
  private readonly tokenSeconds: number;
  private readonly deadlineMs: number;
  private readonly webhooks: WebhookReceiver;
  /**
   * Role changes by `<session> <user>`, kept as long as a token minted before the change may still be
   * used (`tokenSeconds`): whoever connects, or reconnects, with such a token gets the role it names,
   * so each `participant_joined` LiveKit reports within that time has the current role applied again.
   * Held in this process: the webhook must reach the process that was told (one live-sessions, or sticky).
   */
  private readonly changedRoles = new Map<string, { participant: MediaParticipant; until: number }>();

  constructor(
    private readonly listener: MediaListener,
    private readonly options: LiveKitOptions,
  ) {
    this.tokenSeconds = options.tokenSeconds ?? 600;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.webhooks = new WebhookReceiver(options.apiKey, options.apiSecret);
    // The SDK's own timeout (whole seconds) aborts the request itself; `withDeadline` answers on time.
    this.rooms = new RoomServiceClient(options.apiUrl, options.apiKey, options.apiSecret, {
      requestTimeout: Math.max(1, Math.ceil(this.deadlineMs / 1000)),
    });
  }

  /** Mints the participant's token; LiveKit creates the room when the first one connects with it. */
  async join(participant: MediaParticipant): Promise<MediaJoin> {
    const token = new AccessToken(this.options.apiKey, this.options.apiSecret, {
      identity: participant.userId,
      ttl: this.tokenSeconds,
    });
    token.addGrant(grantOf(participant));
    const jwt = await token.toJwt();
    const { exp } = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { exp: number };
    return { iceServers: this.options.iceServers, token: jwt, url: this.options.url, expiresAt: new Date(exp * 1000) };
  }

  async signal(_participant: MediaParticipant, _signal: ClientSignal): Promise<void> {
    throw new MediaRefused('LiveKit sessions signal through LiveKit', 'CONFLICT');
  }

  /**
   * The connected participant's permission changes at once (LiveKit unpublishes what a demoted speaker
   * sent). A token minted before stays valid for the old role, so the change is applied again each
   * time LiveKit reports the participant joining (`participant_joined`) within that token's lifetime.
   */
  async updateRole(participant: MediaParticipant): Promise<void> {
    const now = Date.now();
    for (const [key, { until }] of this.changedRoles) if (until < now) this.changedRoles.delete(key);
    const key = keyOf(participant.sessionId, participant.userId);
    this.changedRoles.set(key, { participant, until: now + this.tokenSeconds * 1000 });
    await this.applyRole(participant);
  }

  /** Mutes what the participant publishes from `source`; nothing published (or not connected) is nothing to mute. */
  async mute(participant: MediaParticipant, source: TrackSource): Promise<void> {
    const { sessionId, userId } = participant;
    const found = await this.outside<ParticipantInfo | null>(
      'find a participant',
      () => this.rooms.getParticipant(sessionId, userId),
      () => null,
    );
    const tracks = (found?.tracks ?? []).filter(
      (track) => LIVEKIT_SOURCES[source].includes(track.source) && !track.muted,
    );
    for (const track of tracks)
      await this.outside(
        'mute a track',
        () => this.rooms.mutePublishedTrack(sessionId, userId, track.sid, true),
        () => undefined,
      );
  }

  async leave(sessionId: string, userId: string): Promise<void> {
    await this.outside(
      'remove a participant',
      () => this.rooms.removeParticipant(sessionId, userId),
      () => undefined,
    );
  }

  async endSession(sessionId: string): Promise<void> {
    await this.outside(
      'close a room',
      () => this.rooms.deleteRoom(sessionId),
      () => undefined,
    );
  }

  /**
   * LiveKit records through Egress, a separate service writing to its own storage (S3, GCS…), not to a
   * file this process could store in drive: not driven from here.
   */
  async startRecording(_sessionId: string): Promise<void> {
    throw new MediaRefused('Recording is not available with LiveKit here: it needs LiveKit Egress', 'CONFLICT');
  }

  async stopRecording(_sessionId: string): Promise<RecordedFile | null> {
    return null;
  }

  async close(): Promise<void> {}

  /**
   * A delivery of LiveKit's webhook (`body` exactly as received, `authorization` its header): LiveKit
   * signs a JWT with the API secret whose `sha256` claim is the body's hash, so a forged or altered
   * delivery is refused (FORBIDDEN). Track events and a participant leaving report what that
   * participant publishes now; other events are acknowledged and ignored. LiveKit sends no webhook
   * when a participant mutes themselves: `muted` is as of the last track event.
   */
  async handleWebhook(body: string, authorization: string | undefined): Promise<void> {
    let event: WebhookEvent;
    try {
      event = await this.webhooks.receive(body, authorization);
    } catch (error) {
      if (error instanceof SyntaxError) throw new MediaRefused('The webhook body is not JSON');
      throw new MediaRefused('The LiveKit webhook signature does not match this body', 'FORBIDDEN');
    }
    const sessionId = event.room?.name;
    const userId = event.participant?.identity;
    if (!sessionId || !userId) return;
    if (event.event === 'participant_joined') return this.joined(sessionId, userId);
    if (event.event === 'participant_left' || event.event === 'participant_connection_aborted')
      return this.listener.tracksChanged(sessionId, userId, []);
    if (event.event !== 'track_published' && event.event !== 'track_unpublished') return;
    // The participant as LiveKit saw them around the event; the event's own track settles whether it is in.
    const changed = event.track?.sid;
    const others = (event.participant?.tracks ?? []).filter((track) => track.sid !== changed);
    const now = event.event === 'track_published' && event.track ? [...others, event.track] : others;
    this.listener.tracksChanged(
      sessionId,
      userId,
      now.map(publishedTrackOf).filter((track) => track !== null),
    );
  }

  private async applyRole({ sessionId, userId, role }: MediaParticipant): Promise<void> {
    await this.outside(
      'update a participant',
      () => this.rooms.updateParticipant(sessionId, userId, { permission: permissionOf(role) }),
      () => undefined,
    );
  }

  /** The participant connected: with a token older than their role's last change, that role is applied. */
  private async joined(sessionId: string, userId: string): Promise<void> {
    const changed = this.changedRoles.get(keyOf(sessionId, userId));
    if (changed && changed.until >= Date.now()) await this.applyRole(changed.participant);
  }

  /**
   * A call to LiveKit's API with a deadline. "Not found" (the participant left, the room is gone) is
   * the caller's to answer with `whenNotFound`; anything else is LiveKit failing, not the client:
   * SERVICE_UNAVAILABLE, with the cause kept for the log.
   */
  private async outside<T>(what: string, call: () => Promise<T>, whenNotFound: () => T): Promise<T> {
    try {
      return await withDeadline(this.deadlineMs, () => call());
    } catch (error) {
      if (isNotFound(error)) return whenNotFound();
      throw Object.assign(new AppError('SERVICE_UNAVAILABLE', 'Live media is unavailable; try again.'), {
        cause: error,
        livekitCall: what,
      });
    }
  }
}
