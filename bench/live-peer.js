/**
 * A live-session client for the benchmark, signalling only through the gateway as a browser does: it
 * subscribes to `sessionEvent` (waiting for the CURRENT event, so the subscription is live), joins, and
 * answers each offer of the SFU (the SFU always offers), with the werift 0.23 workarounds of live-sessions' own
 * media client. A publisher sends synthetic RTP whose payload
 * carries the send time and a counter of its own, so subscribers in this process measure delay and loss.
 */
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import { keepMids, withoutFallbackStun } from '@peerlink/live-sessions/media-client';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, useOPUS, useVP8 } from 'werift';
import WebSocket from 'ws';
import { bearer, graphql } from './graphql.js';
import { waitFor } from './util.js';

const SIGNALS = `subscription S($sessionId: ID!) {
  sessionEvent(sessionId: $sessionId, current: true) { id kind user { id } signal { kind sdp } }
}`;
const JOIN = 'mutation J($sessionId: ID!) { joinSession(sessionId: $sessionId) { participant { role } } }';
const SEND_SIGNAL =
  'mutation A($sessionId: ID!, $input: SignalInput!) { sendSignal(sessionId: $sessionId, input: $input) }';
const LEAVE = 'mutation L($sessionId: ID!) { leaveSession(sessionId: $sessionId) { id } }';

/** Where the payload carries the send time (float64, performance.now()) and the publisher's counter (uint32). */
const SENT_AT = 16;
const COUNTER = 24;
/** Opus at about 32 kbit/s: 80 bytes per 20 ms frame. */
const AUDIO_BYTES = 80;
/** A VP8-like frame of three 1,200-byte packets every 33 ms: 90 packets and about 0.86 Mbit/s. */
const VIDEO_BYTES = 1200;
const VIDEO_PACKETS_PER_FRAME = 3;

export class LivePeer {
  /** @param {{ url: string, account: { userId: string, token: string }, sessionId: string }} options */
  constructor({ url, account, sessionId }) {
    this.url = url;
    this.account = account;
    this.sessionId = sessionId;
    this.pc = null;
    /** Session events by kind as they arrived, with performance.now() arrival times. */
    this.events = [];
    this.offersAnswered = 0;
    /** When the first RTP packet of any remote track arrived. */
    this.firstPacketAt = null;
    /** Called for each received packet's payload: (kind, payload, receivedAt). */
    this.onPacket = null;
    this.failures = [];
    this.chain = Promise.resolve();
    this.pumps = [];
    this.publishing = null;
  }

  /** Opens the socket and subscribes; resolves once the subscription's CURRENT event arrived. */
  async subscribe() {
    this.client = createClient({
      url: this.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.account.token}` },
      retryAttempts: 0,
    });
    this.unsubscribe = this.client.subscribe(
      { query: SIGNALS, variables: { sessionId: this.sessionId } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) this.failures.push(JSON.stringify(errors).slice(0, 200));
          const event = data?.sessionEvent;
          if (!event) return;
          this.events.push({
            kind: event.kind,
            userId: event.user?.id,
            signal: event.signal?.kind,
            at: performance.now(),
          });
          if (event.kind === 'SIGNAL' && event.signal?.kind === 'OFFER') {
            const sdp = event.signal.sdp;
            this.chain = this.chain.then(() => this.answer(sdp)).catch((e) => this.failures.push(String(e)));
          }
        },
        error: (error) => this.failures.push(`subscription: ${String(error?.message ?? error)}`),
        complete: () => {},
      },
    );
    await waitFor('the CURRENT session event', () => this.events.some((e) => e.kind === 'CURRENT'), 30_000, 5);
    return this;
  }

  /** `publish`: what to send once the SFU grants it ({ audio, video } booleans; the pumps start at once). */
  async join({ publish = null } = {}) {
    this.publishing = publish;
    this.pc = this.connection();
    await graphql(this.url, JOIN, { sessionId: this.sessionId }, bearer(this.account.token));
  }

  /** Waits for the first offer to be answered and the connection to be up. */
  connected(timeoutMs = 30_000) {
    return waitFor(
      'the media connection',
      () => {
        if (this.failures.length) throw new Error(this.failures[0]);
        return this.pc?.connectionState === 'connected';
      },
      timeoutMs,
      5,
    );
  }

  connection() {
    const pc = new RTCPeerConnection({
      codecs: { audio: [useOPUS()], video: [useVP8()] },
      iceUseIpv4: true,
      iceUseIpv6: false,
    });
    pc.ontrack = ({ track }) => {
      track.onReceiveRtp.subscribe((rtp) => {
        const at = performance.now();
        this.firstPacketAt ??= at;
        this.onPacket?.(track.kind, rtp.payload, at);
      });
    };
    return pc;
  }

  async answer(sdp) {
    const pc = this.pc;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    // werift falls back to a public STUN server when given none: the bench calls no outside service.
    withoutFallbackStun(pc);
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.mid === 'mic' ? 'audio' : transceiver.mid === 'cam' ? 'video' : null;
      if (transceiver.mid === 'screen' || (kind && !this.publishing)) transceiver.setDirection('inactive');
      else if (kind) {
        if (!transceiver.sender.track) this.pump(transceiver, kind);
        transceiver.setDirection('sendonly');
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    keepMids(pc);
    await graphql(
      this.url,
      SEND_SIGNAL,
      { sessionId: this.sessionId, input: { answer: pc.localDescription.sdp } },
      bearer(this.account.token),
    );
    this.offersAnswered += 1;
  }

  /** Synthetic RTP on a granted transceiver; `this.publishing[kind]` switches it on and off. */
  pump(transceiver, kind) {
    const track = new MediaStreamTrack({ kind });
    void transceiver.sender.replaceTrack(track);
    this.sent ??= { audio: 0, video: 0 };
    const ssrc = Math.floor(Math.random() * 0xffffffff);
    let sequenceNumber = 0;
    let timestamp = 0;
    const write = (payload, marker) => {
      sequenceNumber = (sequenceNumber + 1) & 0xffff;
      const counter = this.sent[kind]++;
      payload.writeDoubleLE(performance.now(), SENT_AT);
      payload.writeUInt32LE(counter, COUNTER);
      const header = new RtpHeader({
        payloadType: transceiver.codecs[0]?.payloadType ?? 96,
        sequenceNumber,
        timestamp,
        ssrc,
        marker,
      });
      track.writeRtp(new RtpPacket(header, payload));
    };
    if (kind === 'audio') {
      this.pumps.push(
        setInterval(() => {
          if (!this.publishing?.audio) return;
          timestamp = (timestamp + 960) >>> 0;
          write(Buffer.alloc(AUDIO_BYTES, 0xf8), false);
        }, 20),
      );
    } else {
      this.pumps.push(
        setInterval(() => {
          if (!this.publishing?.video) return;
          timestamp = (timestamp + 3000) >>> 0;
          for (let i = 0; i < VIDEO_PACKETS_PER_FRAME; i++) write(vp8Like(i === 0), i === VIDEO_PACKETS_PER_FRAME - 1);
        }, 33),
      );
    }
  }

  async leave() {
    await graphql(this.url, LEAVE, { sessionId: this.sessionId }, bearer(this.account.token)).catch(() => null);
  }

  async close() {
    for (const pump of this.pumps) clearInterval(pump);
    this.unsubscribe?.();
    await this.client?.dispose();
    await this.pc?.close().catch(() => null);
  }
}

/** The send time and counter a publisher wrote into a payload. */
export function stampOf(payload) {
  if (payload.length < COUNTER + 4) return null;
  return { sentAt: payload.readDoubleLE(SENT_AT), counter: payload.readUInt32LE(COUNTER) };
}

/** A VP8 payload descriptor and, on a frame's first packet, a keyframe header; the stamp comes after. */
function vp8Like(first) {
  const packet = Buffer.alloc(VIDEO_BYTES, 0);
  if (first) {
    packet[0] = 0x10; // S bit: start of a VP8 partition
    packet[1] = 0x10; // frame tag: keyframe, version 0, shown
    packet[4] = 0x9d; // keyframe start code
    packet[5] = 0x01;
    packet[6] = 0x2a;
  }
  return packet;
}

export const PACKET_SIZES = { audio: AUDIO_BYTES, video: VIDEO_BYTES, videoPacketsPerFrame: VIDEO_PACKETS_PER_FRAME };
