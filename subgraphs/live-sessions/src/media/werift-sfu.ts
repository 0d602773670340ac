import { mkdir, open, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MediaStreamTrack,
  PictureLossIndication,
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  type RTCRtpTransceiver,
  type RtpPacket,
  SessionDescription,
  useOPUS,
  useVP8,
} from 'werift';
import {
  DurationPosition,
  MediaRecorder,
  replaceSegmentSize,
  SegmentSizePosition,
  WEBMContainer,
} from 'werift/nonstandard';
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
  type TrackKind,
  type TrackSource,
} from './media-server.js';

export interface WeriftSfuOptions {
  iceServers: IceServer[];
  /** Where recordings are written (the caller moves them into drive); the system temp directory by default. */
  recordingsDir?: string;
}

type MediaKind = 'audio' | 'video';

interface PublishSlot {
  mid: string;
  kind: MediaKind;
  trackKind: TrackKind;
  source: TrackSource;
}

/** The receiving m-lines the SFU offers a participant who may publish, by mid (see media-server.ts). */
export const publishSlots: readonly PublishSlot[] = [
  { mid: 'mic', kind: 'audio', trackKind: 'AUDIO', source: 'MICROPHONE' },
  { mid: 'cam', kind: 'video', trackKind: 'VIDEO', source: 'CAMERA' },
  { mid: 'screen', kind: 'video', trackKind: 'VIDEO', source: 'SCREEN' },
];

// RFC 8839: foundation, component, transport, priority, address, port, "typ", type.
const candidateLine = /^(a=)?candidate:\S+ \d+ (udp|tcp) \d+ \S+ \d+ typ (host|srflx|prflx|relay)( .*)?$/i;
// Keyframes cost bandwidth: subscribers arriving together share one request.
const keyframeIntervalMs = 300;
const publishingRoles: readonly MediaRole[] = ['HOST', 'SPEAKER'];
// A join's answer is due within this; werift offers carry their candidates, so nothing trickles from here.
const joinLifetimeMs = 10 * 60_000;

/** One source a participant may publish: the SFU's receiving transceiver for it and what the client does with it. */
interface Publication {
  owner: Peer;
  slot: PublishSlot;
  transceiver: RTCRtpTransceiver;
  track: MediaStreamTrack | null;
  /** The client's last answer sends on this m-line. */
  sending: boolean;
  /** Stopped by the host; lifted when the client stops sending the source and sends it again. */
  muted: boolean;
  subscribers: Set<Subscription>;
  stopReceiving: (() => void) | null;
  keyframeRequestedAt: number;
  /** Local copies of this source's forwarded packets that a recording reads. */
  recordingTaps: Set<MediaStreamTrack>;
}

/** One sending transceiver on a subscriber's connection, carrying one publisher's source (or idle, for reuse). */
interface Subscription {
  owner: Peer;
  transceiver: RTCRtpTransceiver;
  track: MediaStreamTrack;
  publication: Publication | null;
  /** The next forwarded packet starts a new source: the sender must continue its sequence numbers from it. */
  sourceChanged: boolean;
  awaitingKeyframe: boolean;
}

interface Peer {
  sessionId: string;
  userId: string;
  role: MediaRole;
  pc: RTCPeerConnection;
  publications: Publication[];
  subscriptions: Subscription[];
  /** The offer the client has not answered yet; a newer one waits for its answer. */
  offerInFlight: boolean;
  renegotiate: boolean;
  closed: boolean;
  lastReported: string;
}

interface Recording {
  recorder: MediaRecorder;
  path: string;
  firstTimestamp: Map<MediaStreamTrack, { timestamp: number; clockRate: number; last: number }>;
  stopWatching: (() => void)[];
  finished: boolean;
}

/**
 * The embedded SFU: one werift peer connection per participant, RTP from each publisher forwarded to each
 * subscriber (werift's senders rewrite SSRC, payload type, sequence numbers and timestamps).
 */
export class WeriftSfu implements MediaServer {
  readonly kind = 'embedded' as const;
  private readonly sessions = new Map<string, Map<string, Peer>>();
  private readonly recordings = new Map<string, Recording>();

  constructor(
    private readonly listener: MediaListener,
    private readonly options: WeriftSfuOptions,
  ) {}

  async join(participant: MediaParticipant): Promise<MediaJoin> {
    const { sessionId, userId } = participant;
    // Joining again (a reload) replaces the old connection.
    if (this.peer(sessionId, userId)) await this.leave(sessionId, userId);
    const pc = new RTCPeerConnection({
      codecs: { audio: [useOPUS()], video: [useVP8()] },
      iceServers: this.options.iceServers.flatMap((server) =>
        server.urls.map((urls) => ({ urls, username: server.username, credential: server.credential })),
      ),
      iceUseIpv4: true,
      iceUseIpv6: false,
      bundlePolicy: 'max-bundle',
    });
    const peer: Peer = {
      sessionId,
      userId,
      role: participant.role,
      pc,
      publications: [],
      subscriptions: [],
      offerInFlight: false,
      renegotiate: false,
      closed: false,
      lastReported: '[]',
    };
    // A subscriber's first picture needs a keyframe once it can receive one.
    pc.connectionStateChange.subscribe((state) => {
      if (state !== 'connected') return;
      for (const subscription of peer.subscriptions) subscription.awaitingKeyframe = true;
    });
    let session = this.sessions.get(sessionId);
    if (!session) {
      session = new Map();
      this.sessions.set(sessionId, session);
    }
    session.set(userId, peer);
    if (publishingRoles.includes(peer.role)) this.openPublications(peer);
    this.reconcile(sessionId);
    this.negotiate(peer);
    return {
      iceServers: this.options.iceServers,
      token: null,
      url: null,
      expiresAt: new Date(Date.now() + joinLifetimeMs),
    };
  }

  async signal(participant: MediaParticipant, signal: ClientSignal): Promise<void> {
    const peer = this.peer(participant.sessionId, participant.userId);
    if (!peer) throw new MediaRefused('not connected to this session', 'CONFLICT');
    if (signal.kind === 'RENEGOTIATE') {
      // An offer still unanswered is followed by a fresh one once answered.
      this.negotiate(peer);
      return;
    }
    if (signal.kind === 'CANDIDATE') {
      if (!signal.candidate.trim()) return; // end of candidates
      // werift ignores a candidate it cannot parse; the client should hear that it sent nonsense.
      if (!candidateLine.test(signal.candidate)) throw new MediaRefused('malformed ICE candidate');
      try {
        await peer.pc.addIceCandidate({
          candidate: signal.candidate,
          sdpMid: signal.sdpMid ?? undefined,
          sdpMLineIndex: signal.sdpMLineIndex ?? undefined,
        });
      } catch {
        throw new MediaRefused('malformed ICE candidate');
      }
      return;
    }
    await this.acceptAnswer(peer, signal.sdp);
  }

  async updateRole(participant: MediaParticipant): Promise<void> {
    const peer = this.peer(participant.sessionId, participant.userId);
    if (!peer) return;
    const couldPublish = publishingRoles.includes(peer.role);
    peer.role = participant.role;
    // HOST and SPEAKER publish alike: only crossing to or from VIEWER changes the connection.
    if (couldPublish === publishingRoles.includes(peer.role)) return;
    if (publishingRoles.includes(peer.role)) {
      this.openPublications(peer);
    } else {
      for (const publication of peer.publications) {
        publication.transceiver.setDirection('inactive');
        publication.sending = false;
        publication.muted = false;
      }
    }
    this.report(peer);
    this.reconcile(peer.sessionId);
    this.negotiate(peer);
  }

  async mute(participant: MediaParticipant, source: TrackSource): Promise<void> {
    const peer = this.peer(participant.sessionId, participant.userId);
    const publication = peer?.publications.find((candidate) => candidate.slot.source === source);
    if (!peer || !publication?.sending || publication.muted) return;
    publication.muted = true;
    this.report(peer);
  }

  async leave(sessionId: string, userId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    const peer = session?.get(userId);
    if (!session || !peer) return;
    session.delete(userId);
    this.closePeer(peer);
    if (session.size === 0) {
      this.sessions.delete(sessionId);
    } else {
      this.reconcile(sessionId);
    }
  }

  async endSession(sessionId: string): Promise<void> {
    // The file stays for stopRecording to hand over.
    await this.finishRecording(sessionId).catch(() => undefined);
    const session = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    for (const peer of session?.values() ?? []) this.closePeer(peer);
  }

  async startRecording(sessionId: string): Promise<void> {
    if (this.recordings.has(sessionId)) throw new MediaRefused('already recording', 'CONFLICT');
    // werift's WebM writer takes its tracks up front: the first audio and the first video published now.
    const live = [...(this.sessions.get(sessionId)?.values() ?? [])]
      .flatMap((peer) => peer.publications)
      .filter((publication) => this.forwarding(publication) && publication.track?.codec);
    const recorded = (['audio', 'video'] as const)
      .map((kind) => live.find((publication) => publication.slot.kind === kind))
      .filter((publication): publication is Publication => publication?.track != null);
    if (recorded.length === 0) throw new MediaRefused('nothing is published to record', 'CONFLICT');
    const directory = this.options.recordingsDir ?? join(tmpdir(), 'peerlink-live-recordings');
    await mkdir(directory, { recursive: true });
    const path = join(directory, `${sessionId}-${Date.now()}.webm`);
    const recording: Recording = {
      recorder: null as never,
      path,
      firstTimestamp: new Map(),
      stopWatching: [],
      finished: false,
    };
    // The recorder reads what is forwarded (a muted source is not recorded either), sender reports included
    // (werift's WebM writer times frames by them).
    const tracks = recorded.map((publication) => {
      const source = publication.track as MediaStreamTrack;
      const tap = new MediaStreamTrack({ kind: publication.slot.kind, codec: source.codec });
      const reports = source.onReceiveRtcp.subscribe((rtcp) => tap.onReceiveRtcp.execute(rtcp));
      publication.recordingTaps.add(tap);
      recording.stopWatching.push(() => {
        publication.recordingTaps.delete(tap);
        reports.unSubscribe();
      });
      return tap;
    });
    // Duration from RTP timestamps: what was recorded, not how long the recorder was open.
    for (const track of tracks) {
      const clockRate = track.codec?.clockRate ?? 90_000;
      const { unSubscribe } = track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        const seen = recording.firstTimestamp.get(track);
        if (!seen) {
          recording.firstTimestamp.set(track, { timestamp: rtp.header.timestamp, clockRate, last: 0 });
        } else {
          seen.last = Math.max(seen.last, (rtp.header.timestamp - seen.timestamp) >>> 0);
        }
      });
      recording.stopWatching.push(unSubscribe);
    }
    // Timed by RTP timestamps, not by the sender reports' NTP clock: with NTP the recorder drops every packet until
    // a sender report arrives, which can leave a short recording with nothing but its header.
    recording.recorder = new MediaRecorder({ path, tracks, width: 640, height: 360, disableNtp: true });
    this.recordings.set(sessionId, recording);
    // The file should open on a picture.
    for (const publication of recorded) if (publication.slot.kind === 'video') this.requestKeyframe(publication);
  }

  async stopRecording(sessionId: string): Promise<RecordedFile | null> {
    const recording = this.recordings.get(sessionId);
    if (!recording) return null;
    this.recordings.delete(sessionId);
    await this.finishRecording(sessionId, recording);
    const size = await stat(recording.path).then(
      (file) => file.size,
      () => 0,
    );
    if (size === 0) return null;
    const durationSeconds = Math.max(
      0,
      ...[...recording.firstTimestamp.values()].map(({ last, clockRate }) => last / clockRate),
    );
    // `ended`: a plain field of werift's WebM writer, set once it wrote the real duration.
    if (!(recording.recorder.writer as { ended?: boolean }).ended)
      await settleDuration(recording.path, durationSeconds);
    return { path: recording.path, mimeType: 'video/webm', size, durationSeconds: Math.round(durationSeconds) };
  }

  private async finishRecording(sessionId: string, recording = this.recordings.get(sessionId)) {
    if (!recording || recording.finished) return;
    recording.finished = true;
    for (const stopWatching of recording.stopWatching) stopWatching();
    await recording.recorder.stop();
  }

  async close(): Promise<void> {
    for (const sessionId of [...this.recordings.keys()]) await this.stopRecording(sessionId).catch(() => null);
    for (const sessionId of [...this.sessions.keys()]) await this.endSession(sessionId);
  }

  private peer(sessionId: string, userId: string): Peer | undefined {
    return this.sessions.get(sessionId)?.get(userId);
  }

  /** Receiving transceivers for the sources the role may publish, created once and re-activated later. */
  private openPublications(peer: Peer) {
    for (const slot of publishSlots) {
      const existing = peer.publications.find((publication) => publication.slot === slot);
      if (existing) {
        existing.transceiver.setDirection('recvonly');
        continue;
      }
      const transceiver = peer.pc.addTransceiver(slot.kind, { direction: 'recvonly' });
      transceiver.mid = slot.mid;
      keepOwnSlot(transceiver);
      const publication: Publication = {
        owner: peer,
        slot,
        transceiver,
        track: null,
        sending: false,
        muted: false,
        subscribers: new Set(),
        stopReceiving: null,
        keyframeRequestedAt: 0,
        recordingTaps: new Set(),
      };
      transceiver.onTrack.subscribe((track) => this.receive(peer, publication, track));
      peer.publications.push(publication);
    }
  }

  private receive(peer: Peer, publication: Publication, track: MediaStreamTrack) {
    publication.stopReceiving?.();
    publication.track = track;
    const { unSubscribe } = track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
      if (peer.closed || !this.forwarding(publication)) return;
      if (publication.subscribers.size === 0 && publication.recordingTaps.size === 0) return;
      this.keyframeIfAwaited(publication);
      // Each sender rewrites the header in place, so every subscriber gets its own copy.
      const bytes = rtp.serialize();
      for (const tap of publication.recordingTaps) tap.writeRtp(bytes);
      for (const subscription of publication.subscribers) {
        if (subscription.sourceChanged) {
          subscription.sourceChanged = false;
          subscription.track.onSourceChanged.execute(rtp.header);
        }
        subscription.track.writeRtp(bytes);
      }
    });
    publication.stopReceiving = unSubscribe;
  }

  /** Whether RTP from this source goes anywhere: granted by the role, sent by the client, not muted. */
  private forwarding(publication: Publication): boolean {
    return this.published(publication) && !publication.muted;
  }

  private published(publication: Publication): boolean {
    return publication.sending && publication.transceiver.direction === 'recvonly';
  }

  private async acceptAnswer(peer: Peer, sdp: string) {
    if (!peer.offerInFlight || peer.pc.signalingState !== 'have-local-offer') {
      throw new MediaRefused('no offer is waiting for an answer');
    }
    const offer = peer.pc.localDescription;
    let answer: SessionDescription;
    try {
      answer = SessionDescription.parse(sdp);
    } catch {
      throw new MediaRefused('malformed SDP');
    }
    const offered = offer ? SessionDescription.parse(offer.sdp).media : [];
    if (!sdp.startsWith('v=0') || answer.media.length !== offered.length) {
      throw new MediaRefused('the answer does not match the offer');
    }
    for (const [index, media] of answer.media.entries()) {
      const mine = offered[index];
      if (media.rtp.muxId !== mine.rtp.muxId || media.kind !== mine.kind) {
        throw new MediaRefused('the answer does not match the offer');
      }
      // The client may send only where the SFU offered to receive: its role's sources, nothing else.
      const sends = media.direction === 'sendonly' || media.direction === 'sendrecv';
      if (sends && mine.direction !== 'recvonly') {
        throw new MediaRefused(`not allowed to send on ${media.rtp.muxId ?? index}`, 'FORBIDDEN');
      }
    }
    try {
      await peer.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (error) {
      throw new MediaRefused(`the answer was not accepted: ${(error as Error).message}`);
    }
    let changed = false;
    for (const publication of peer.publications) {
      const media = answer.media.find((candidate) => candidate.rtp.muxId === publication.slot.mid);
      const sending = media?.direction === 'sendonly' || media?.direction === 'sendrecv';
      if (sending !== publication.sending) {
        changed = true;
        publication.sending = sending;
        if (!sending) publication.muted = false;
      }
    }
    peer.offerInFlight = false;
    if (changed) {
      this.report(peer);
      this.reconcile(peer.sessionId);
    }
    if (peer.renegotiate) this.negotiate(peer);
  }

  /** Gives every participant a sending transceiver for each source the others publish, and no more. */
  private reconcile(sessionId: string) {
    const peers = [...(this.sessions.get(sessionId)?.values() ?? [])];
    for (const subscriber of peers) {
      const wanted = peers
        .filter((publisher) => publisher !== subscriber)
        .flatMap((publisher) => publisher.publications.filter((publication) => this.published(publication)));
      let changed = false;
      for (const subscription of subscriber.subscriptions) {
        if (subscription.publication && !wanted.includes(subscription.publication)) {
          subscription.publication.subscribers.delete(subscription);
          subscription.publication = null;
          subscription.transceiver.setDirection('inactive');
          changed = true;
        }
      }
      for (const publication of wanted) {
        if (subscriber.subscriptions.some((subscription) => subscription.publication === publication)) continue;
        this.subscribe(subscriber, publication);
        changed = true;
      }
      if (changed) this.negotiate(subscriber);
    }
  }

  private subscribe(subscriber: Peer, publication: Publication) {
    const publisher = [...(this.sessions.get(subscriber.sessionId)?.values() ?? [])].find((peer) =>
      peer.publications.includes(publication),
    );
    let subscription = subscriber.subscriptions.find(
      (idle) => idle.publication === null && idle.transceiver.kind === publication.slot.kind,
    );
    if (subscription) {
      subscription.transceiver.setDirection('sendonly');
      subscription.sourceChanged = true;
    } else {
      const track = new MediaStreamTrack({ kind: publication.slot.kind });
      const transceiver = subscriber.pc.addTransceiver(track, { direction: 'sendonly' });
      // Every transceiver gets its mid up front: werift matches an answer's m-line to any transceiver of that
      // kind without a mid, so one added while an offer is out would take over an existing m-line.
      transceiver.mid = `s${subscriber.subscriptions.length}`;
      keepOwnSlot(transceiver);
      subscription = {
        owner: subscriber,
        transceiver,
        track,
        publication: null,
        sourceChanged: false,
        awaitingKeyframe: true,
      };
      const created = subscription;
      transceiver.sender.onPictureLossIndication.subscribe(() => {
        if (created.publication) this.requestKeyframe(created.publication);
      });
      subscriber.subscriptions.push(subscription);
    }
    // The msid tells the client whose track this is and from which source (documented in media-server.ts).
    subscription.transceiver.sender.streamId = publisher?.userId ?? 'unknown';
    // Typed read-only but a plain field, read each time werift writes the m-line's msid.
    (subscription.transceiver.sender as { trackId: string }).trackId =
      `${publication.slot.source}_${publisher?.userId ?? 'unknown'}`;
    subscription.publication = publication;
    subscription.awaitingKeyframe = true;
    publication.subscribers.add(subscription);
  }

  /**
   * Asks the publisher for a keyframe when a subscriber that can receive it has none yet (it subscribed,
   * connected, or reconnected), at most every `keyframeIntervalMs`; checked as the publisher's packets arrive,
   * when both ends are certainly up.
   */
  private keyframeIfAwaited(publication: Publication) {
    if (publication.slot.kind !== 'video' || Date.now() - publication.keyframeRequestedAt < keyframeIntervalMs) return;
    let awaited = false;
    for (const subscription of publication.subscribers) {
      if (subscription.awaitingKeyframe && subscription.owner.pc.connectionState === 'connected') {
        subscription.awaitingKeyframe = false;
        awaited = true;
      }
    }
    if (awaited) this.requestKeyframe(publication);
  }

  private requestKeyframe(publication: Publication) {
    const ssrc = publication.track?.ssrc;
    // The bundled transport in use, not the connection (renegotiating, it reads `connecting` yet carries RTCP)
    // nor the receiver's own (a bundled m-line's may be one that never started).
    const transport = publication.owner.pc.dtlsTransports.find((candidate) => candidate.state === 'connected');
    if (ssrc == null || !transport) return;
    publication.keyframeRequestedAt = Date.now();
    // Sender SSRC 1, as receive-only browsers send it: werift's own sendRtcpPLI names the receiver's SSRC,
    // which the offer declared, so a werift client routes the PLI to its receiver and never sees it.
    const pli = new RtcpPayloadSpecificFeedback({
      feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: ssrc }),
    });
    transport.sendRtcp([pli]).catch(() => undefined);
  }

  /** Offers the participant's connection as it stands now, one offer at a time, later changes coalesced. */
  private negotiate(peer: Peer) {
    if (peer.closed) return;
    if (peer.offerInFlight) {
      peer.renegotiate = true;
      return;
    }
    peer.offerInFlight = true;
    peer.renegotiate = false;
    void (async () => {
      if (!this.options.iceServers.some((server) => server.urls.some((url) => url.startsWith('stun:')))) {
        withoutFallbackStun(peer.pc);
      }
      const offer = await peer.pc.createOffer();
      await peer.pc.setLocalDescription(offer);
      const sdp = peer.pc.localDescription?.sdp;
      if (!peer.closed && sdp) this.listener.toParticipant(peer.sessionId, peer.userId, { kind: 'OFFER', sdp });
    })().catch(() => {
      // A connection closed mid-offer has nobody to offer to.
      peer.offerInFlight = false;
    });
  }

  private report(peer: Peer) {
    const tracks: PublishedTrack[] = peer.publications
      .filter((publication) => this.published(publication))
      .map((publication) => ({
        kind: publication.slot.trackKind,
        source: publication.slot.source,
        muted: publication.muted,
      }));
    const key = JSON.stringify(tracks);
    if (key === peer.lastReported) return;
    peer.lastReported = key;
    this.listener.tracksChanged(peer.sessionId, peer.userId, tracks);
  }

  private closePeer(peer: Peer) {
    if (peer.closed) return;
    peer.closed = true;
    for (const publication of peer.publications) {
      // Subscribers keep the link until reconcile turns their transceivers inactive and renegotiates.
      publication.stopReceiving?.();
      publication.sending = false;
    }
    for (const subscription of peer.subscriptions) {
      subscription.publication?.subscribers.delete(subscription);
      subscription.track.stop();
    }
    this.report(peer);
    peer.pc.close().catch(() => undefined);
  }
}

/**
 * werift's recorder writes a 24 h placeholder duration first and the real one at its end, but its stop gives up
 * waiting for that end after 5 s (seen under load): the file would say it lasts a day. Written here instead.
 */
export async function settleDuration(path: string, seconds: number) {
  const file = await open(path, 'r+');
  try {
    const duration = new WEBMContainer([]).createDuration(seconds * 1000);
    await file.write(duration, 0, duration.length, DurationPosition);
    const segmentSize = replaceSegmentSize((await file.stat()).size);
    await file.write(segmentSize, 0, segmentSize.length, SegmentSizePosition);
  } finally {
    await file.close();
  }
}

/**
 * werift asks stun.l.google.com when no STUN server is configured, and gathering then waits 5 s for the
 * answer that never comes on a closed network: every offer would take 5 s. Without STUN, host candidates only.
 */
export function withoutFallbackStun(pc: RTCPeerConnection) {
  for (const transport of pc.iceTransports) transport.connection.stunServer = undefined;
}

/**
 * werift's addTransceiver takes over any transceiver whose last answer was `inactive`, whatever its kind; a
 * publishing slot the client does not use (answered inactive) would lose its mid. The SFU reuses its own.
 */
function keepOwnSlot(transceiver: RTCRtpTransceiver) {
  transceiver.usedForSender = true;
}
