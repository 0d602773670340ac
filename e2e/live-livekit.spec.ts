import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EndLiveSessionDocument,
  JoinSessionDocument,
  LiveSessionDocument,
  RemoveParticipantDocument,
  SendSignalDocument,
  StartLiveStreamDocument,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { FakeLiveKit, signWebhook, verifyJwt } from './support/fake-livekit.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

/**
 * Live sessions on LiveKit instead of the embedded SFU: the same GraphQL operations, with LiveKit's server API
 * (a local server speaking its wire format, the real SDK in the path) and its webhooks through the gateway.
 */
let t: TestStack;
let livekit: FakeLiveKit;

beforeAll(async () => {
  livekit = new FakeLiveKit();
  t = await startTestStack({
    LIVE_MEDIA_SERVER: 'livekit',
    LIVEKIT_URL: 'wss://livekit.example.org',
    LIVEKIT_API_URL: await livekit.start(),
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
  });
});
afterAll(async () => {
  await t?.stop();
  await livekit?.stop();
});

const webhook = (body: string, authorization: string) =>
  fetch(new URL('/webhooks/livekit', t.url), {
    method: 'POST',
    headers: { 'content-type': 'application/webhook+json', authorization },
    body,
  });

describe('live sessions on LiveKit', () => {
  it('hand out LiveKit tokens by role, learn tracks from its webhooks, and moderate through its API', async () => {
    const [host, viewer] = await Promise.all([signUp(t, 'host'), signUp(t, 'viewer')]);
    const { startLiveStream: stream } = await ok(
      t.url,
      StartLiveStreamDocument,
      { title: 'On LiveKit', visibility: 'PUBLIC' },
      host.token,
    );
    const hostJoin = (await ok(t.url, JoinSessionDocument, { sessionId: stream.id }, host.token)).joinSession;
    const viewerJoin = (await ok(t.url, JoinSessionDocument, { sessionId: stream.id }, viewer.token)).joinSession;
    expect(hostJoin.url).toBe('wss://livekit.example.org');
    // The tokens LiveKit will check: this room, this user, publishing for the host only.
    const hostGrant = verifyJwt(hostJoin.token!, livekit.apiKey, livekit.apiSecret);
    expect(hostGrant).toMatchObject({ sub: host.id, video: { room: stream.id, canPublish: true } });
    expect(hostGrant.video).not.toHaveProperty('roomAdmin');
    const viewerGrant = verifyJwt(viewerJoin.token!, livekit.apiKey, livekit.apiSecret);
    expect(viewerGrant).toMatchObject({ sub: viewer.id, video: { room: stream.id, canPublish: false } });
    // Clients signal with LiveKit itself.
    expect(
      await codes(t.url, SendSignalDocument, { sessionId: stream.id, input: { answer: 'v=0' } }, host.token),
    ).toEqual(['CONFLICT']);

    // LiveKit tells the gateway the host published a microphone; the session shows it.
    const body = JSON.stringify({
      event: 'track_published',
      room: { sid: 'RM_1', name: stream.id },
      participant: { sid: 'PA_1', identity: host.id, state: 'ACTIVE', tracks: [] },
      track: { sid: 'TR_1', type: 'AUDIO', source: 'MICROPHONE', muted: false },
      id: 'EV_1',
      createdAt: String(Math.floor(Date.now() / 1000)),
    });
    expect((await webhook(body, signWebhook(body, livekit.apiKey, 'a-secret-that-is-not-livekits-own'))).status).toBe(
      401,
    );
    expect((await webhook(body, signWebhook(body, livekit.apiKey, livekit.apiSecret))).status).toBe(200);
    const published = await waitFor('the host’s track', async () => {
      const { liveSession } = await ok(t.url, LiveSessionDocument, { id: stream.id }, viewer.token);
      return liveSession.participants.find((p) => p.user?.id === host.id)?.tracks.length ? liveSession : null;
    });
    expect(published.participants.find((p) => p.user?.id === host.id)?.tracks).toEqual([
      { kind: 'AUDIO', source: 'MICROPHONE', muted: false },
    ]);

    // The host's moderation reaches LiveKit's server API.
    livekit.connect(stream.id, viewer.id);
    await ok(t.url, RemoveParticipantDocument, { sessionId: stream.id, userId: viewer.id }, host.token);
    expect(livekit.callsTo('RemoveParticipant').map((c) => c.body)).toEqual([
      expect.objectContaining({ room: stream.id, identity: viewer.id }),
    ]);
    await ok(t.url, EndLiveSessionDocument, { sessionId: stream.id }, host.token);
    expect(livekit.callsTo('DeleteRoom').map((c) => c.body)).toEqual([expect.objectContaining({ room: stream.id })]);
  });
});
