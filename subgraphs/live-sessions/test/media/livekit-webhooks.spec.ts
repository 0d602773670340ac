import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LiveKitMediaServer } from '../../src/media/livekit-media-server.js';
import { liveKitWebhookRoutes } from '../../src/media/livekit-webhooks.js';
import { MediaRefused } from '../../src/media/media-server.js';
import { type FakeTrack, signWebhook } from '../../../../e2e/support/fake-livekit.js';
import { RecordingListener } from './recording-listener.js';

const apiKey = 'APIwebhooks';
const apiSecret = 'webhook-secret-at-least-32-characters';

/** A webhook body as LiveKit posts it: protobuf JSON, enums by name, int64 as strings. */
function event(
  name: string,
  options: { tracks?: FakeTrack[]; track?: FakeTrack; room?: string; identity?: string } = {},
): string {
  return JSON.stringify({
    event: name,
    room: { sid: 'RM_1', name: options.room ?? 'session-1' },
    participant: { sid: 'PA_1', identity: options.identity ?? 'user-1', state: 'ACTIVE', tracks: options.tracks ?? [] },
    ...(options.track ? { track: options.track } : {}),
    id: `EV_${name}`,
    createdAt: String(Math.floor(Date.now() / 1000)),
  });
}

const microphone: FakeTrack = { sid: 'TR_mic', type: 'AUDIO', source: 'MICROPHONE', muted: false };
const camera: FakeTrack = { sid: 'TR_cam', type: 'VIDEO', source: 'CAMERA', muted: false };
const screen: FakeTrack = { sid: 'TR_scr', type: 'VIDEO', source: 'SCREEN_SHARE', muted: true };

describe('LiveKit webhooks, POST /webhooks/livekit', () => {
  let listener: RecordingListener;
  let http: Server;
  let url: string;

  beforeAll(async () => {
    const app = express();
    // Mounted as the subgraph mounts its routes (platform/src/graphql/subgraph.ts), under /webhooks.
    app.use(
      '/webhooks',
      liveKitWebhookRoutes({
        handleWebhook: (body, authorization) => server().handleWebhook(body, authorization),
      }),
    );
    http = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/webhooks/livekit`;
  });
  afterAll(() => new Promise((resolve) => http.close(resolve)));

  let current: LiveKitMediaServer;
  const server = () => current;
  beforeEach(() => {
    listener = new RecordingListener();
    current = new LiveKitMediaServer(listener, {
      url: 'wss://livekit.example.org',
      // Webhooks never call LiveKit's API: nothing listens here.
      apiUrl: 'http://127.0.0.1:9',
      apiKey,
      apiSecret,
      iceServers: [],
    });
  });

  const deliver = (body: string, authorization: string | null) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/webhook+json',
        ...(authorization === null ? {} : { authorization }),
      },
      body,
    });

  it('a published track reports everything the participant publishes now', async () => {
    const body = event('track_published', { tracks: [microphone], track: camera });
    const answer = await deliver(body, signWebhook(body, apiKey, apiSecret));
    expect(answer.status).toBe(200);
    expect(listener.tracks).toEqual([
      {
        sessionId: 'session-1',
        userId: 'user-1',
        tracks: [
          { kind: 'AUDIO', source: 'MICROPHONE', muted: false },
          { kind: 'VIDEO', source: 'CAMERA', muted: false },
        ],
      },
    ]);
  });

  it('a track already listed is not reported twice, and a screen share is the SCREEN source', async () => {
    const body = event('track_published', { tracks: [microphone, screen], track: screen });
    expect((await deliver(body, signWebhook(body, apiKey, apiSecret))).status).toBe(200);
    expect(listener.tracks[0]?.tracks).toEqual([
      { kind: 'AUDIO', source: 'MICROPHONE', muted: false },
      { kind: 'VIDEO', source: 'SCREEN', muted: true },
    ]);
  });

  it('an unpublished track is left out, even if the participant still lists it', async () => {
    const body = event('track_unpublished', { tracks: [microphone, camera], track: camera });
    expect((await deliver(body, signWebhook(body, apiKey, apiSecret))).status).toBe(200);
    expect(listener.tracks[0]?.tracks).toEqual([{ kind: 'AUDIO', source: 'MICROPHONE', muted: false }]);
  });

  it('a participant who left publishes nothing', async () => {
    const body = event('participant_left', { tracks: [microphone], identity: 'user-2' });
    expect((await deliver(body, signWebhook(body, apiKey, apiSecret))).status).toBe(200);
    expect(listener.tracks).toEqual([{ sessionId: 'session-1', userId: 'user-2', tracks: [] }]);
  });

  it('other events are acknowledged and change nothing', async () => {
    const body = event('room_started');
    expect((await deliver(body, signWebhook(body, apiKey, apiSecret))).status).toBe(200);
    expect(listener.tracks).toEqual([]);
  });

  it('a delivery signed with another secret is refused with 401', async () => {
    const body = event('participant_left');
    const answer = await deliver(body, signWebhook(body, apiKey, 'another-secret-of-32-characters-long'));
    expect(answer.status).toBe(401);
    expect(listener.tracks).toEqual([]);
  });

  it('a delivery signed by another API key is refused with 401', async () => {
    const body = event('participant_left');
    expect((await deliver(body, signWebhook(body, 'APIother', apiSecret))).status).toBe(401);
    expect(listener.tracks).toEqual([]);
  });

  it('a body altered after signing is refused with 401', async () => {
    const signed = event('track_published', { tracks: [microphone], track: microphone });
    const tampered = event('track_published', { tracks: [microphone], track: microphone, identity: 'user-2' });
    expect((await deliver(tampered, signWebhook(signed, apiKey, apiSecret))).status).toBe(401);
    expect(listener.tracks).toEqual([]);
  });

  it('a delivery without a signature is refused with 401', async () => {
    expect((await deliver(event('participant_left'), null)).status).toBe(401);
    expect(listener.tracks).toEqual([]);
  });

  it('handleWebhook itself refuses a forged delivery as FORBIDDEN', async () => {
    const body = event('participant_left');
    const refused = await current.handleWebhook(body, 'not-a-jwt').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MediaRefused);
    expect((refused as MediaRefused).code).toBe('FORBIDDEN');
  });
});
