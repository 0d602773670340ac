import { LiveKitMediaServer } from '../../src/media/livekit-media-server.js';
import { FakeLiveKit, verifyJwt } from '../../../../e2e/support/fake-livekit.js';
import { RecordingListener } from './recording-listener.js';
import { mediaServerContract } from './media-server.contract.js';

mediaServerContract('LiveKit', async () => {
  const fake = new FakeLiveKit();
  const iceServers = [{ urls: ['turn:turn.example.org:3478'], username: 'u', credential: 'c' }];
  const server = new LiveKitMediaServer(new RecordingListener(), {
    url: 'wss://livekit.example.org',
    apiUrl: await fake.start(),
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    iceServers,
  });
  return {
    server,
    iceServers,
    // What LiveKit will let the token's holder do: its grant, checked as LiveKit checks the signature.
    mayPublish: async (_participant, join) => {
      const { video } = verifyJwt(join.token ?? '', fake.apiKey, fake.apiSecret);
      const sources = video?.canPublishSources;
      return video?.canPublish === true && (!Array.isArray(sources) || sources.length > 0);
    },
    stop: () => fake.stop(),
  };
});
