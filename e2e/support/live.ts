import { MediaPeer, type Source } from '@peerlink/live-sessions/media-client';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import type { Client } from 'graphql-ws';
import {
  JoinSessionDocument,
  SendSignalDocument,
  SessionSignalsDocument,
  type JoinSessionMutation,
  type SessionSignalsSubscription,
} from '../generated/graphql.js';
import { ok, request, Subscription, wsClient } from './client.js';
import type { Member } from './social.js';
import type { TestStack } from './stack.js';

export type { Source };

type SessionEvent = NonNullable<SessionSignalsSubscription['sessionEvent']>;

/** A signal the gateway refused, with its error code. */
export class SignalRefused extends Error {
  constructor(readonly code: string | undefined) {
    super(`signal refused: ${code}`);
  }
}

export interface TestPeerOptions {
  /** The sources it publishes (a viewer may be told to, to show the SFU refuses). */
  publishes?: Source[];
  /** Rewrites its answers: a misbehaving client. */
  tamper?: (sdp: string) => string;
}

/**
 * A participant's client in Node, signalling only through the gateway as a browser would: it subscribes to
 * `sessionEvent`, then joins (the SFU offers right after the join), and answers each offer through
 * `sendSignal`. The media side (publishing synthetic RTP, counting what arrives by publisher and source as
 * the offers' msids name them) is the SFU's own Node client, shared with its tests.
 */
export class TestPeer {
  /** Every session event it received, signals included, in order. */
  readonly events: SessionEvent[] = [];
  /** Codes of the answers the gateway refused. */
  readonly refusals: (string | undefined)[] = [];
  /** Answers the gateway took. */
  answersTaken = 0;
  join: JoinSessionMutation['joinSession'] | null = null;
  media: MediaPeer | null = null;
  private client: Client | null = null;
  private subscription: Subscription<SessionSignalsSubscription> | null = null;
  private handled = 0;
  /** Answers offers from `connect` on (a peer that only listens leaves them to the test). */
  private answering = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly poll: NodeJS.Timeout;

  constructor(
    private readonly t: TestStack,
    readonly user: Member,
    readonly sessionId: string,
    private readonly options: TestPeerOptions = {},
  ) {
    // Signals are handled one at a time, in the order they arrived.
    this.poll = setInterval(() => this.drain(), 5);
  }

  /** Subscribes, joins, and resolves once it has answered the SFU's first offer. */
  async connect(): Promise<this> {
    await this.listen();
    this.answering = true;
    this.join = (await ok(this.t.url, JoinSessionDocument, { sessionId: this.sessionId }, this.user.token)).joinSession;
    const media = new MediaPeer(
      (sdp) => this.send({ answer: sdp }),
      this.options.tamper,
      this.join.iceServers.map((server) => ({
        urls: server.urls,
        username: server.username ?? undefined,
        credential: server.credential ?? undefined,
      })),
    );
    for (const source of this.options.publishes ?? ['MICROPHONE']) media.publish(source);
    this.media = media;
    await waitFor(`${this.user.username}'s first answer`, () => this.answersTaken + this.refusals.length > 0);
    return this;
  }

  /** Subscribes to the session's events, once the gateway holds the subscription. */
  async listen(): Promise<this> {
    const before = this.t.stack.gateway.live.subscriptionsOf(this.user.id);
    this.client = wsClient(this.t.url, this.user.token);
    this.subscription = new Subscription(this.client, SessionSignalsDocument, { sessionId: this.sessionId });
    await waitFor(
      `${this.user.username}'s session subscription`,
      () => this.t.stack.gateway.live.subscriptionsOf(this.user.id) > before || this.subscription?.error,
    );
    return this;
  }

  /** Starts sending `source` (a screen share mid-call): asks the SFU for an offer to answer sending it on. */
  async startSending(source: Source) {
    this.media?.publish(source);
    await this.renegotiate();
  }

  /** Stops sending `source`: the next answer no longer sends on it. */
  async stopSending(source: Source) {
    this.media?.unpublish(source);
    await this.renegotiate();
  }

  /** Asks for an offer, and returns once it answered one made after the change. */
  private async renegotiate() {
    const before = this.answersTaken;
    await ok(
      this.t.url,
      SendSignalDocument,
      { sessionId: this.sessionId, input: { renegotiate: true } },
      this.user.token,
    );
    await waitFor(`${this.user.username} to answer the new offer`, () => this.answersTaken > before);
  }

  /** Packets received so far from `userId`'s `source`. */
  packetsFrom(userId: string, source: Source = 'MICROPHONE'): number {
    return this.media?.packetsFrom(userId, source) ?? 0;
  }

  /** Waits until at least `count` more packets than now arrived from `userId`'s `source`. */
  async receivesMore(userId: string, source: Source = 'MICROPHONE', count = 20) {
    const before = this.packetsFrom(userId, source);
    await waitFor(
      `${this.user.username} to receive ${count} packets from ${userId}'s ${source}`,
      () => this.packetsFrom(userId, source) >= before + count,
    );
  }

  /** Everyone whose media reached it, as `<userId>/<SOURCE>`. */
  heardFrom(): string[] {
    return [...(this.media?.received.keys() ?? [])];
  }

  /** The subscription's refusal, if the gateway refused it. */
  get subscriptionError() {
    return this.subscription?.error;
  }

  /** Waits for a session event of `kind` (about `userId`, if given). */
  eventOf(kind: string, userId?: string) {
    return waitFor(`${this.user.username} to get a ${kind} event`, () =>
      this.events.find((event) => event.kind === kind && (!userId || event.user?.id === userId)),
    );
  }

  private drain() {
    const results = this.subscription?.results ?? [];
    while (this.handled < results.length) {
      const event = results[this.handled++]?.data?.sessionEvent;
      if (!event) continue;
      this.events.push(event);
      const signal = event.signal;
      if (event.kind !== 'SIGNAL' || !signal || !this.answering) continue;
      this.chain = this.chain
        .then(async () => {
          const media = await waitFor('the join to return', () => this.media);
          if (signal.kind === 'OFFER') return media.takeOffer(signal.sdp ?? '');
          await media.pc.addIceCandidate({
            candidate: signal.candidate ?? '',
            sdpMid: signal.sdpMid ?? undefined,
            sdpMLineIndex: signal.sdpMLineIndex ?? undefined,
          });
        })
        .catch((error) => void this.refusals.push(error instanceof SignalRefused ? error.code : String(error)));
    }
  }

  private async send(input: { answer: string }) {
    const { errors } = await request(
      this.t.url,
      SendSignalDocument,
      { sessionId: this.sessionId, input },
      { token: this.user.token },
    );
    if (errors?.length) throw new SignalRefused(errors[0]?.extensions?.code as string | undefined);
    this.answersTaken += 1;
  }

  /** Closes it all, and waits for the gateway to let go of its subscription (so a later count starts clean). */
  async close() {
    clearInterval(this.poll);
    const held = this.t.stack.gateway.live.subscriptionsOf(this.user.id);
    const listening = this.subscription && !this.subscription.error;
    this.subscription?.stop();
    await this.client?.dispose();
    await this.media?.close();
    if (listening)
      await waitFor(
        `the gateway to drop ${this.user.username}'s subscription`,
        () => this.t.stack.gateway.live.subscriptionsOf(this.user.id) < held,
      );
  }
}
