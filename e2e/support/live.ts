import { waitFor } from '@peerlink/platform/testing/wait-for';
import type { Client } from 'graphql-ws';
import { MediaStreamTrack, RTCPeerConnection, type RTCRtpTransceiver, RtpHeader, RtpPacket } from 'werift';
import {
  JoinSessionDocument,
  SendSignalDocument,
  SessionSignalsDocument,
  type JoinSessionMutation,
  type SessionSignalsSubscription,
} from '../generated/graphql.js';
import { ok, Subscription, wsClient } from './client.js';
import type { Member } from './social.js';
import type { TestStack } from './stack.js';

export type Source = 'MICROPHONE' | 'CAMERA' | 'SCREEN';

/** The mids the embedded SFU gives the transceivers a participant may publish on (media-server.ts). */
export const SOURCE_MIDS: Record<Source, string> = { MICROPHONE: 'mic', CAMERA: 'cam', SCREEN: 'screen' };

type Signal = NonNullable<NonNullable<SessionSignalsSubscription['sessionEvent']>['signal']>;

/** Opus silence: the SFU forwards payloads as they are, so any bytes of the negotiated codec do. */
const PAYLOAD = { audio: Buffer.from([0xf8, 0xff, 0xfe]), video: Buffer.alloc(64, 0x90) };

/**
 * A participant's client in Node, signalling only through the gateway as a browser would: it subscribes
 * to `sessionEvent`, joins, answers each offer of the SFU (publishing on the `mic`, `cam` and `screen`
 * transceivers for the sources it was told to), trickles its ICE candidates through `sendSignal`, sends
 * a packet every 20 ms on each published track, and counts the RTP packets it receives per remote
 * transceiver (by mid).
 */
export class TestPeer {
  /** RTP packets received, by the mid of the transceiver they came on. */
  readonly received = new Map<string, number>();
  /** Offers answered, and GraphQL errors of signals the gateway refused. */
  offers = 0;
  readonly refusals: string[] = [];
  join: JoinSessionMutation['joinSession'] | null = null;
  pc: RTCPeerConnection | null = null;
  private client: Client | null = null;
  private subscription: Subscription<SessionSignalsSubscription> | null = null;
  private handled = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly pumps: NodeJS.Timeout[] = [];
  private readonly poll: NodeJS.Timeout;

  constructor(
    private readonly t: TestStack,
    readonly user: Member,
    readonly sessionId: string,
    /** The sources it publishes (a viewer may be told to, to show the SFU refuses). */
    readonly publishes: Source[] = ['MICROPHONE'],
  ) {
    // Signals are handled one at a time, in the order they arrived.
    this.poll = setInterval(() => this.drain(), 5);
  }

  /** Subscribes first (the SFU offers right after the join), then joins. */
  async connect(): Promise<this> {
    const before = this.t.stack.gateway.live.subscriptionsOf(this.user.id);
    this.client = wsClient(this.t.url, this.user.token);
    this.subscription = new Subscription(this.client, SessionSignalsDocument, { sessionId: this.sessionId });
    await waitFor(
      `${this.user.username}'s signal subscription`,
      () => this.t.stack.gateway.live.subscriptionsOf(this.user.id) > before,
    );
    this.join = (await ok(this.t.url, JoinSessionDocument, { sessionId: this.sessionId }, this.user.token)).joinSession;
    return this;
  }

  /** Packets received on the transceiver `mid` so far. */
  packets(mid: string) {
    return this.received.get(mid) ?? 0;
  }

  /** Waits until at least `count` packets arrived on some transceiver other than its own published ones. */
  receivesMedia(count = 10) {
    return waitFor(`${this.user.username} to receive ${count} RTP packets`, () =>
      [...this.received.values()].some((n) => n >= count),
    );
  }

  private drain() {
    const results = this.subscription?.results ?? [];
    while (this.handled < results.length) {
      const event = results[this.handled++]?.data?.sessionEvent;
      if (event?.kind === 'SIGNAL' && event.signal) {
        const signal = event.signal;
        this.chain = this.chain.then(() => this.handle(signal)).catch((err) => void this.refusals.push(String(err)));
      }
    }
  }

  private async handle(signal: Signal) {
    if (!this.join) await waitFor('the join to return', () => this.join);
    const pc = this.connection();
    if (signal.kind === 'CANDIDATE') {
      await pc.addIceCandidate({
        candidate: signal.candidate!,
        sdpMid: signal.sdpMid ?? undefined,
        sdpMLineIndex: signal.sdpMLineIndex ?? undefined,
      });
      return;
    }
    await pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp! });
    for (const transceiver of pc.getTransceivers()) this.publishOn(transceiver);
    await pc.setLocalDescription(await pc.createAnswer());
    this.offers += 1;
    await this.signal({ answer: pc.localDescription!.sdp });
  }

  private connection(): RTCPeerConnection {
    if (this.pc) return this.pc;
    const iceServers = this.join!.iceServers.map((s) => ({
      urls: s.urls[0]!,
      username: s.username ?? undefined,
      credential: s.credential ?? undefined,
    }));
    const pc = new RTCPeerConnection({ iceServers });
    pc.onIceCandidate.subscribe((candidate) => {
      if (!candidate?.candidate) return;
      void this.signal({
        candidate: {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid ?? null,
          sdpMLineIndex: candidate.sdpMLineIndex ?? null,
        },
      }).catch((err) => this.refusals.push(String(err)));
    });
    pc.ontrack = ({ track, transceiver }) => {
      track.onReceiveRtp.subscribe(() => {
        const mid = transceiver.mid ?? track.id ?? 'unnamed';
        this.received.set(mid, (this.received.get(mid) ?? 0) + 1);
      });
    };
    this.pc = pc;
    return pc;
  }

  /** Sends on a transceiver the SFU offered for one of the sources it publishes (once per transceiver). */
  private publishOn(transceiver: RTCRtpTransceiver) {
    const source = (Object.keys(SOURCE_MIDS) as Source[]).find((s) => SOURCE_MIDS[s] === transceiver.mid);
    if (!source || !this.publishes.includes(source) || transceiver.sender.track) return;
    const kind = source === 'MICROPHONE' ? 'audio' : 'video';
    const track = new MediaStreamTrack({ kind });
    void transceiver.sender.replaceTrack(track);
    transceiver.setDirection('sendonly');
    let sequenceNumber = 0;
    let timestamp = 0;
    this.pumps.push(
      setInterval(() => {
        const payloadType = transceiver.codecs[0]?.payloadType ?? 96;
        sequenceNumber = (sequenceNumber + 1) & 0xffff;
        timestamp = (timestamp + (kind === 'audio' ? 960 : 1800)) >>> 0;
        const header = new RtpHeader({ payloadType, sequenceNumber, timestamp, marker: true });
        track.writeRtp(new RtpPacket(header, PAYLOAD[kind]));
      }, 20),
    );
  }

  private async signal(input: {
    answer?: string;
    candidate?: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null };
  }) {
    await ok(this.t.url, SendSignalDocument, { sessionId: this.sessionId, input }, this.user.token);
  }

  async close() {
    clearInterval(this.poll);
    for (const pump of this.pumps) clearInterval(pump);
    this.subscription?.stop();
    await this.client?.dispose();
    await this.pc?.close();
  }
}
