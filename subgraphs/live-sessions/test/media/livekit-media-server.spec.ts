import { AppError } from '@peerlink/platform/errors';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveKitMediaServer, type LiveKitOptions } from '../../src/media/livekit-media-server.js';
import type { MediaParticipant } from '../../src/media/media-server.js';
import { MediaRefused } from '../../src/media/media-server.js';
import { FakeLiveKit, signWebhook, verifyJwt } from '../../../../e2e/support/fake-livekit.js';
import { RecordingListener } from './recording-listener.js';

const iceServers = [{ urls: ['stun:stun.example.org:3478'] }];

describe('LiveKitMediaServer', () => {
  let fake: FakeLiveKit;
  let listener: RecordingListener;
  let server: LiveKitMediaServer;
  const options = (overrides: Partial<LiveKitOptions> = {}): LiveKitOptions => ({
    url: 'wss://livekit.example.org',
    apiUrl: fake.url,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    iceServers,
    tokenSeconds: 120,
    deadlineMs: 1000,
    ...overrides,
  });
  const who = (role: MediaParticipant['role'], userId = 'user-1'): MediaParticipant => ({
    sessionId: 'session-1',
    userId,
    role,
  });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (error: unknown) => error,
    );

  beforeEach(async () => {
    fake = new FakeLiveKit();
    await fake.start();
    listener = new RecordingListener();
    server = new LiveKitMediaServer(listener, options());
  });
  afterEach(() => fake.stop());

  describe('join', () => {
    it('mints a token for the session as room and the user as identity, expiring after tokenSeconds', async () => {
      const before = Math.floor(Date.now() / 1000);
      const join = await server.join(who('SPEAKER'));
      expect(join).toMatchObject({ iceServers, url: 'wss://livekit.example.org' });
      const claims = verifyJwt(join.token ?? '', fake.apiKey, fake.apiSecret);
      expect(claims.sub).toBe('user-1');
      expect(claims.video).toMatchObject({ room: 'session-1', roomJoin: true });
      expect(claims.exp).toBeGreaterThanOrEqual(before + 120);
      expect(claims.exp).toBeLessThanOrEqual(before + 122);
      expect(join.expiresAt.getTime()).toBe((claims.exp ?? 0) * 1000);
      // LiveKit's own verifier (the SDK's) takes it too; another secret does not.
      expect((await new TokenVerifier(fake.apiKey, fake.apiSecret).verify(join.token ?? '')).sub).toBe('user-1');
      expect(() => verifyJwt(join.token ?? '', fake.apiKey, 'another-secret-of-32-characters-long')).toThrow();
    });

    it('grants a host everything in its room but administration, which goes through GraphQL', async () => {
      const { video } = verifyJwt((await server.join(who('HOST'))).token ?? '', fake.apiKey, fake.apiSecret);
      expect(video).toEqual({
        room: 'session-1',
        roomJoin: true,
        canPublish: true,
        canSubscribe: true,
        canPublishData: true,
      });
    });

    it('grants a speaker microphone, camera and screen, and no administration', async () => {
      const { video } = verifyJwt((await server.join(who('SPEAKER'))).token ?? '', fake.apiKey, fake.apiSecret);
      expect(video).toEqual({
        room: 'session-1',
        roomJoin: true,
        canPublish: true,
        canPublishSources: ['microphone', 'camera', 'screen_share'],
        canSubscribe: true,
        canPublishData: false,
      });
    });

    it('grants a viewer subscribing only', async () => {
      const { video } = verifyJwt((await server.join(who('VIEWER'))).token ?? '', fake.apiKey, fake.apiSecret);
      expect(video).toEqual({
        room: 'session-1',
        roomJoin: true,
        canPublish: false,
        canSubscribe: true,
        canPublishData: false,
      });
    });
  });

  it('refuses signals: LiveKit clients signal with LiveKit', async () => {
    const refused = await refusal(server.signal(who('HOST'), { kind: 'ANSWER', sdp: 'v=0' }));
    expect(refused).toBeInstanceOf(MediaRefused);
    expect((refused as MediaRefused).code).toBe('CONFLICT');
  });

  describe('updateRole', () => {
    it("changes a connected participant's permission at once, as room admin", async () => {
      fake.connect('session-1', 'user-1', [{ type: 'AUDIO', source: 'MICROPHONE', muted: false }]);
      await server.updateRole(who('VIEWER'));
      const [call] = fake.callsTo('UpdateParticipant');
      expect(call?.body).toMatchObject({
        room: 'session-1',
        identity: 'user-1',
        permission: { canSubscribe: true },
      });
      expect(call?.body.permission).not.toHaveProperty('canPublish', true);
      expect(call?.grant).toMatchObject({ roomAdmin: true, room: 'session-1' });
      // The demoted speaker's microphone is gone (LiveKit unpublishes what the permission no longer allows).
      expect(fake.rooms.get('session-1')?.get('user-1')?.tracks).toEqual([]);

      await server.updateRole(who('SPEAKER'));
      expect(fake.callsTo('UpdateParticipant')[1]?.body.permission).toMatchObject({
        canPublish: true,
        canSubscribe: true,
        canPublishSources: ['MICROPHONE', 'CAMERA', 'SCREEN_SHARE'],
      });
    });

    const joined = (userId: string) => {
      const body = JSON.stringify({
        event: 'participant_joined',
        room: { sid: 'RM_1', name: 'session-1' },
        participant: { sid: 'PA_9', identity: userId, state: 'ACTIVE' },
        id: 'EV_joined',
      });
      return server.handleWebhook(body, signWebhook(body, fake.apiKey, fake.apiSecret));
    };

    it('applies a role changed before the participant connected once LiveKit reports them joining', async () => {
      await server.updateRole(who('VIEWER', 'late'));
      expect(fake.callsTo('UpdateParticipant')).toHaveLength(1);
      // They connect with the token minted while they were a speaker.
      fake.connect('session-1', 'late', [{ type: 'AUDIO', source: 'MICROPHONE', muted: false }]);
      await joined('late');
      const calls = fake.callsTo('UpdateParticipant');
      expect(calls).toHaveLength(2);
      expect(calls[1]?.body).toMatchObject({ identity: 'late', permission: { canSubscribe: true } });
      expect(calls[1]?.body.permission).not.toHaveProperty('canPublish', true);
      expect(fake.rooms.get('session-1')?.get('late')?.tracks).toEqual([]);
    });

    it('applies it again when a demoted participant reconnects with their old token', async () => {
      fake.connect('session-1', 'user-1', [{ type: 'AUDIO', source: 'MICROPHONE', muted: false }]);
      await server.updateRole(who('VIEWER'));
      fake.connect('session-1', 'user-1', [{ type: 'AUDIO', source: 'MICROPHONE', muted: false }]);
      await joined('user-1');
      expect(fake.callsTo('UpdateParticipant')).toHaveLength(2);
      expect(fake.rooms.get('session-1')?.get('user-1')?.tracks).toEqual([]);
      // Others joining change nothing.
      await joined('user-2');
      expect(fake.callsTo('UpdateParticipant')).toHaveLength(2);
    });

    it('leaves joins alone once every token minted before the change has expired', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        await server.updateRole(who('VIEWER', 'late'));
        vi.setSystemTime(Date.now() + 121_000);
        fake.connect('session-1', 'late');
        await joined('late');
        expect(fake.callsTo('UpdateParticipant')).toHaveLength(1);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  describe('mute', () => {
    it('mutes the track of that source only', async () => {
      const connected = fake.connect('session-1', 'user-1', [
        { type: 'AUDIO', source: 'MICROPHONE', muted: false },
        { type: 'VIDEO', source: 'CAMERA', muted: false },
      ]);
      await server.mute(who('SPEAKER'), 'MICROPHONE');
      const calls = fake.callsTo('MutePublishedTrack');
      expect(calls.map((call) => call.body)).toEqual([
        { room: 'session-1', identity: 'user-1', trackSid: connected.tracks[0]?.sid, muted: true },
      ]);
      expect(calls[0]?.grant).toMatchObject({ roomAdmin: true, room: 'session-1' });
      expect(connected.tracks.map((track) => track.muted)).toEqual([true, false]);
    });

    it("mutes a screen share's video and its audio", async () => {
      const connected = fake.connect('session-1', 'user-1', [
        { type: 'VIDEO', source: 'SCREEN_SHARE', muted: false },
        { type: 'AUDIO', source: 'SCREEN_SHARE_AUDIO', muted: false },
        { type: 'AUDIO', source: 'MICROPHONE', muted: false },
      ]);
      await server.mute(who('SPEAKER'), 'SCREEN');
      expect(connected.tracks.map((track) => track.muted)).toEqual([true, true, false]);
    });

    it('has nothing to mute for a participant not connected or not publishing that source', async () => {
      fake.connect('session-1', 'user-1', [{ type: 'VIDEO', source: 'CAMERA', muted: false }]);
      await server.mute(who('SPEAKER'), 'MICROPHONE');
      await server.mute(who('SPEAKER', 'absent'), 'CAMERA');
      expect(fake.callsTo('GetParticipant')).toHaveLength(2);
      expect(fake.callsTo('MutePublishedTrack')).toHaveLength(0);
    });
  });

  it('leave removes the participant from the room, and a second leave is no error', async () => {
    fake.connect('session-1', 'user-1');
    fake.connect('session-1', 'user-2');
    await server.leave('session-1', 'user-1');
    await server.leave('session-1', 'user-1');
    expect(fake.callsTo('RemoveParticipant').map((call) => call.body)).toEqual([
      { room: 'session-1', identity: 'user-1' },
      { room: 'session-1', identity: 'user-1' },
    ]);
    expect([...(fake.rooms.get('session-1')?.keys() ?? [])]).toEqual(['user-2']);
  });

  it('endSession deletes the room, and a second endSession is no error', async () => {
    fake.connect('session-1', 'user-1');
    await server.endSession('session-1');
    await server.endSession('session-1');
    expect(fake.callsTo('DeleteRoom').map((call) => [call.body, call.grant.roomCreate])).toEqual([
      [{ room: 'session-1' }, true],
      [{ room: 'session-1' }, true],
    ]);
    expect(fake.rooms.has('session-1')).toBe(false);
  });

  it('refuses recording: LiveKit records through Egress, which this adapter does not drive', async () => {
    const refused = await refusal(server.startRecording('session-1'));
    expect(refused).toBeInstanceOf(MediaRefused);
    expect((refused as MediaRefused).code).toBe('CONFLICT');
    expect(await server.stopRecording('session-1')).toBeNull();
  });

  describe('when LiveKit fails', () => {
    const unavailable = async (call: () => Promise<unknown>, withinMs: number) => {
      const started = Date.now();
      const error = await refusal(call());
      expect(Date.now() - started).toBeLessThan(withinMs);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).extensions.code).toBe('SERVICE_UNAVAILABLE');
    };

    it('answers SERVICE_UNAVAILABLE when LiveKit is down', async () => {
      fake.mode = 'down';
      await unavailable(() => server.leave('session-1', 'user-1'), 1000);
      await unavailable(() => server.mute(who('HOST'), 'CAMERA'), 1000);
    });

    it('answers SERVICE_UNAVAILABLE within the deadline when LiveKit does not answer', async () => {
      fake.mode = 'slow';
      const slow = new LiveKitMediaServer(listener, options({ deadlineMs: 300 }));
      await unavailable(() => slow.endSession('session-1'), 1500);
      await unavailable(() => slow.updateRole(who('VIEWER')), 1500);
    });

    it('answers SERVICE_UNAVAILABLE, not "not found", when the API URL is not LiveKit', async () => {
      fake.mode = 'elsewhere';
      await unavailable(() => server.leave('session-1', 'user-1'), 1000);
      await unavailable(() => server.endSession('session-1'), 1000);
    });

    it('answers SERVICE_UNAVAILABLE when nothing listens at the API URL', async () => {
      await fake.stop();
      await unavailable(() => server.leave('session-1', 'user-1'), 1500);
    });

    it('answers SERVICE_UNAVAILABLE, not "not found", when LiveKit refuses our credentials', async () => {
      const wrong = new LiveKitMediaServer(listener, options({ apiSecret: 'not-the-secret-of-32-characters-long' }));
      await unavailable(() => wrong.leave('session-1', 'user-1'), 1000);
      expect(fake.calls).toHaveLength(0);
    });

    it('still mints tokens: joining needs no call to LiveKit', async () => {
      fake.mode = 'down';
      expect((await server.join(who('VIEWER'))).token).toBeTruthy();
    });
  });
});
