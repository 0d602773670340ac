import { waitFor } from '@peerlink/platform/testing/wait-for';
import type { MediaListener } from '../../src/media/media-server.js';
import { WeriftSfu } from '../../src/media/werift-sfu.js';
import { mediaServerContract } from './media-server.contract.js';

mediaServerContract('embedded SFU', async () => {
  const offers = new Map<string, string>();
  const listener: MediaListener = {
    toParticipant: (sessionId, userId, signal) => {
      if (signal.kind === 'OFFER') offers.set(`${sessionId}/${userId}`, signal.sdp);
    },
    tracksChanged: () => {},
  };
  const iceServers = [{ urls: ['stun:127.0.0.1:3478'] }];
  return {
    server: new WeriftSfu(listener, { iceServers }),
    iceServers,
    // What its offer lets the client send on: an m-line the SFU receives on (mic, cam or screen).
    mayPublish: async ({ sessionId, userId }) => {
      const offer = await waitFor('the SFU’s offer', () => offers.get(`${sessionId}/${userId}`));
      return /a=mid:(mic|cam|screen)\r?\n/.test(offer);
    },
    stop: async () => {},
  };
});
