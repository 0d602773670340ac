import { liveSessionsConfig } from '#src/config';
import { readSliceOf } from '@peerlink/platform/testing/config-problems';
import { describe, expect, it } from 'vitest';

describe('live sessions’ configuration', () => {
  it('has no ICE servers (host candidates only) and rings for 30 seconds unless told otherwise', () => {
    expect(readSliceOf(liveSessionsConfig)).toEqual({
      LIVE_ICE_SERVERS: [],
      LIVE_RING_SECONDS: 30,
      LIVE_MEDIA_SERVER: 'embedded',
    });
  });

  it('reads ICE servers as JSON, a single URL or a list, with TURN credentials', () => {
    const servers = JSON.stringify([
      { urls: 'stun:stun.example.com:3478' },
      { urls: ['turn:turn.example.com:3478?transport=udp'], username: 'u', credential: 'p' },
    ]);
    expect(readSliceOf(liveSessionsConfig, { LIVE_ICE_SERVERS: servers }).LIVE_ICE_SERVERS).toEqual([
      { urls: ['stun:stun.example.com:3478'] },
      { urls: ['turn:turn.example.com:3478?transport=udp'], username: 'u', credential: 'p' },
    ]);
  });

  it('refuses what is not a list of servers, and a ring of no time or of more than ten minutes', () => {
    for (const bad of ['not json', '{"urls":"stun:x"}', '[{"username":"u"}]', '[{"urls":[]}]'])
      expect(() => readSliceOf(liveSessionsConfig, { LIVE_ICE_SERVERS: bad })).toThrow(/LIVE_ICE_SERVERS/);
    for (const bad of ['0', '601', 'soon'])
      expect(() => readSliceOf(liveSessionsConfig, { LIVE_RING_SECONDS: bad })).toThrow(/LIVE_RING_SECONDS/);
  });

  it('takes LiveKit with all four of its settings, and refuses them without it', () => {
    const liveKit = {
      LIVEKIT_URL: 'wss://livekit.example.org',
      LIVEKIT_API_URL: 'https://livekit.example.org',
      LIVEKIT_API_KEY: 'APIkey',
      LIVEKIT_API_SECRET: 'a-secret-of-at-least-thirty-two-characters',
    };
    expect(readSliceOf(liveSessionsConfig, { LIVE_MEDIA_SERVER: 'livekit', ...liveKit })).toMatchObject(liveKit);
    for (const missing of Object.keys(liveKit)) {
      const partial: Record<string, string> = { LIVE_MEDIA_SERVER: 'livekit', ...liveKit };
      delete partial[missing];
      expect(() => readSliceOf(liveSessionsConfig, partial)).toThrow(new RegExp(missing));
    }
    expect(() => readSliceOf(liveSessionsConfig, { LIVEKIT_API_KEY: 'APIkey' })).toThrow(/LIVEKIT_API_KEY/);
    expect(() => readSliceOf(liveSessionsConfig, { LIVE_MEDIA_SERVER: 'mediasoup' })).toThrow(/LIVE_MEDIA_SERVER/);
  });
});
