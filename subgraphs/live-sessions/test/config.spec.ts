import { liveSessionsConfig } from '#src/config';
import { readSliceOf } from '@peerlink/platform/testing/config-problems';
import { describe, expect, it } from 'vitest';

describe('live sessions’ configuration', () => {
  it('has no ICE servers (host candidates only) and rings for 30 seconds unless told otherwise', () => {
    expect(readSliceOf(liveSessionsConfig)).toEqual({ LIVE_ICE_SERVERS: [], LIVE_RING_SECONDS: 30 });
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
});
