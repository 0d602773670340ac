import {
  MediaStreamTrack,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  RtpHeader,
  RtpPacket,
  SessionDescription,
  useOPUS,
  useVP8,
} from 'werift';
import type { IceServer } from './media-server.js';
import { withoutFallbackStun } from './werift-sfu.js';

export { withoutFallbackStun };

/** werift would hand an m-line answered inactive to the next transceiver the SFU offers, losing its mid. */
export function keepMids(pc: RTCPeerConnection) {
  for (const transceiver of pc.getTransceivers()) transceiver.usedForSender = true;
}

export type Source = 'MICROPHONE' | 'CAMERA' | 'SCREEN';

const midOf: Record<Source, string> = { MICROPHONE: 'mic', CAMERA: 'cam', SCREEN: 'screen' };
const kindOf: Record<Source, 'audio' | 'video'> = { MICROPHONE: 'audio', CAMERA: 'video', SCREEN: 'video' };

/** What arrived from one publisher's source, read from the offer's msid (`<userId> <SOURCE>_<userId>`). */
export interface Received {
  userId: string;
  source: Source;
  packets: number;
}

/**
 * A client of the embedded SFU in Node, for tests and benchmarks (the SFU's own, e2e through the gateway):
 * answers its offers (the SFU always offers), publishes synthetic RTP on the sources it is told to, and counts
 * the RTP it receives by publisher and source. Signalling goes through `answer`, so a test can hand it to the
 * SFU directly or through GraphQL.
 */
export class MediaPeer {
  readonly pc: RTCPeerConnection;
  readonly offers: string[] = [];
  readonly answers: string[] = [];
  /** Received media by `<userId>/<SOURCE>`. */
  readonly received = new Map<string, Received>();
  private readonly local = new Map<Source, MediaStreamTrack>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly msidByMid = new Map<string, string>();
  private readonly keyframeWatched = new WeakSet<RTCRtpTransceiver>();
  /** Picture loss indications (keyframe requests) the SFU sent about each published source. */
  readonly keyframeRequests = new Map<Source, number>();

  private readonly stun: boolean;

  constructor(
    /** Delivers this peer's answer to the SFU. */
    private readonly answer: (sdp: string) => Promise<void>,
    /** Rewrites the answer before it is sent: how a test plays a misbehaving client. */
    private readonly tamper: (sdp: string) => string = (sdp) => sdp,
    /** As `joinSession` returns them; none (host candidates only) by default. */
    iceServers: IceServer[] = [],
  ) {
    this.pc = new RTCPeerConnection({
      codecs: { audio: [useOPUS()], video: [useVP8()] },
      iceServers: iceServers.flatMap((server) =>
        server.urls.map((urls) => ({ urls, username: server.username, credential: server.credential })),
      ),
      iceUseIpv4: true,
      iceUseIpv6: false,
    });
    this.stun = iceServers.some((server) => server.urls.some((url) => url.startsWith('stun:')));
    this.pc.ontrack = ({ track, transceiver }) => this.watch(track, transceiver);
  }

  /** Sends synthetic RTP from `source` (Opus-sized audio every 20 ms, a VP8-like frame every 33 ms). */
  publish(source: Source) {
    if (this.local.has(source)) return;
    const kind = kindOf[source];
    const track = new MediaStreamTrack({ kind });
    this.local.set(source, track);
    const ssrc = Math.floor(Math.random() * 0xffffffff);
    let sequenceNumber = 0;
    let timestamp = 0;
    const every = kind === 'audio' ? 20 : 33;
    const step = kind === 'audio' ? 960 : 2970;
    this.timers.push(
      setInterval(() => {
        sequenceNumber = (sequenceNumber + 1) & 0xffff;
        timestamp = (timestamp + step) >>> 0;
        const payload = kind === 'audio' ? Buffer.alloc(80, 0xf8) : vp8KeyframeLike();
        const header = new RtpHeader({ payloadType: 96, sequenceNumber, timestamp, ssrc, marker: kind === 'video' });
        track.writeRtp(new RtpPacket(header, payload));
      }, every),
    );
  }

  /** Stops sending `source`: its m-line is answered recvonly from the next offer on. */
  unpublish(source: Source) {
    this.local.delete(source);
  }

  /** Answers an offer from the SFU, sending on the m-lines of the sources this peer publishes. */
  async takeOffer(sdp: string) {
    this.offers.push(sdp);
    for (const media of SessionDescription.parse(sdp).media) {
      if (media.rtp.muxId && media.msid) this.msidByMid.set(media.rtp.muxId, media.msid);
    }
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    if (!this.stun) withoutFallbackStun(this.pc);
    for (const [source, mid] of Object.entries(midOf) as [Source, string][]) {
      const transceiver = this.pc.getTransceivers().find((candidate) => candidate.mid === mid);
      if (!transceiver) continue;
      const track = this.local.get(source);
      if (track) {
        if (!this.keyframeWatched.has(transceiver)) {
          this.keyframeWatched.add(transceiver);
          transceiver.sender.onPictureLossIndication.subscribe(() => {
            this.keyframeRequests.set(source, (this.keyframeRequests.get(source) ?? 0) + 1);
          });
        }
        await transceiver.sender.replaceTrack(track);
        transceiver.setDirection('sendonly');
      } else {
        transceiver.setDirection('inactive');
      }
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    keepMids(this.pc);
    const finalSdp = this.tamper(this.pc.localDescription?.sdp ?? answer.sdp);
    this.answers.push(finalSdp);
    await this.answer(finalSdp);
  }

  /** Packets received so far from `userId`'s `source`. */
  packetsFrom(userId: string, source: Source): number {
    return this.received.get(`${userId}/${source}`)?.packets ?? 0;
  }

  async close() {
    for (const timer of this.timers) clearInterval(timer);
    await this.pc.close();
  }

  private watch(track: MediaStreamTrack, transceiver: RTCRtpTransceiver) {
    track.onReceiveRtp.subscribe(() => {
      // The msid of the m-line as last offered: a reused transceiver carries another publisher later.
      const msid = transceiver.mid ? this.msidByMid.get(transceiver.mid) : undefined;
      const [userId, trackId] = msid?.split(' ') ?? ['unknown', 'unknown'];
      const source = (trackId?.split('_')[0] ?? 'unknown') as Source;
      const key = `${userId}/${source}`;
      const entry = this.received.get(key) ?? { userId, source, packets: 0 };
      entry.packets += 1;
      this.received.set(key, entry);
    });
  }
}

// A VP8 payload descriptor (start of partition) and a keyframe header: enough for werift's depacketiser.
function vp8KeyframeLike(): Buffer {
  const frame = Buffer.alloc(120, 0);
  frame[0] = 0x10; // S bit: start of a VP8 partition
  frame[1] = 0x10; // frame tag: keyframe, version 0, shown
  frame[4] = 0x9d; // keyframe start code
  frame[5] = 0x01;
  frame[6] = 0x2a;
  frame[7] = 0x80; // width 640
  frame[8] = 0x02;
  frame[9] = 0x68; // height 360
  frame[10] = 0x01;
  return frame;
}
