import type { ChatEvents } from '@peerlink/contracts/chat';
import type { LiveSessionEvents, LiveSessionSignals } from '@peerlink/contracts/live-sessions';
import type { SocialEvents } from '@peerlink/contracts/social';
import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import { signaller } from '@peerlink/platform/events/signals';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import { liveSessionsConfig, type LiveSessionsConfig } from './config.js';
import type { LiveSessionsServices } from './context.js';
import { eventHandlers } from './events.handler.js';
import { signalParticipant } from './live.js';
import { LiveSessionLoaders } from './loaders.js';
import { LiveKitMediaServer } from './media/livekit-media-server.js';
import { liveKitWebhookRoutes } from './media/livekit-webhooks.js';
import type { MediaListener, MediaServer } from './media/media-server.js';
import { WeriftSfu } from './media/werift-sfu.js';
import { migrations } from './migrations/index.js';
import { LiveSession, Participant, Recording } from './session.entity.js';
import { LiveSessionResolver, ParticipantResolver, RecordingResolver } from './session.resolver.js';
import { SessionService } from './session.service.js';
import { ConnectionService } from './connection.service.js';
import { RecordingService } from './recording.service.js';

/** Calls from conversations, group calls and live streams: GraphQL carries the signalling, an SFU the media. */
export const liveSessions: SubgraphDefinition<LiveSessionsServices, LiveSessionLoaders, LiveSessionsConfig> = {
  name: 'live-sessions',
  config: liveSessionsConfig,
  entities: [LiveSession, Participant, Recording],
  migrations,
  resolvers: [LiveSessionResolver, ParticipantResolver, RecordingResolver],
  references: {
    LiveSession: (reference: { id: string }, ctx: { loaders: LiveSessionLoaders }) =>
      ctx.loaders.visibleSession(reference.id),
  },

  async start({ bus, config, logger, storage }, orm, settings) {
    const outbox = new Outbox<LiveSessionEvents>(orm, bus, logger);
    const signal = signaller<LiveSessionSignals>(bus);
    // The SFU is built before the service it reports to: the listener reaches it once it exists.
    let sessions: SessionService | null = null;
    let connections: ConnectionService | null = null;
    const listener: MediaListener = {
      toParticipant: (sessionId, userId, server) =>
        void signalParticipant(signal, sessionId, userId, server).catch((err) =>
          logger.warn({ err, sessionId }, 'signal to participant failed'),
        ),
      tracksChanged: (sessionId, userId, tracks) =>
        void connections
          ?.tracksChanged(sessionId, userId, tracks)
          .catch((err) => logger.warn({ err, sessionId }, 'tracks not recorded')),
    };
    const liveKit =
      settings.LIVE_MEDIA_SERVER === 'livekit'
        ? new LiveKitMediaServer(listener, {
            // The config refuses livekit without all four.
            url: settings.LIVEKIT_URL!,
            apiUrl: settings.LIVEKIT_API_URL!,
            apiKey: settings.LIVEKIT_API_KEY!,
            apiSecret: settings.LIVEKIT_API_SECRET!,
            iceServers: settings.LIVE_ICE_SERVERS,
            deadlineMs: config.OUTSIDE_CALL_DEADLINE_MS,
          })
        : null;
    const media: MediaServer = liveKit ?? new WeriftSfu(listener, { iceServers: settings.LIVE_ICE_SERVERS });
    const recordings = new RecordingService(outbox, media, storage, logger);
    sessions = new SessionService(orm, outbox, media, recordings, logger);
    const service = sessions;
    connections = new ConnectionService(service, outbox, media, logger);
    const ringing = new Repeating(
      'missed calls',
      Math.min(1000, (settings.LIVE_RING_SECONDS * 1000) / 4),
      () => service.expireRinging(settings.LIVE_RING_SECONDS),
      logger,
    ).start();
    const stopConsuming = await consumeEvents<ChatEvents & SocialEvents, LiveSessionEvents>({
      bus,
      outbox,
      consumer: 'live-sessions',
      handlers: eventHandlers(),
      logger,
    });
    return {
      services: { sessions: service, connections, recordings },
      createLoaders: (viewer) => new LiveSessionLoaders(orm.em as never, viewer),
      // LiveKit tells us of published and unpublished tracks at the gateway's /webhooks/livekit.
      ...(liveKit ? { routes: { '/webhooks': liveKitWebhookRoutes(liveKit) } } : {}),
      async stop() {
        await ringing.stop();
        await stopConsuming();
        await media.close();
        await outbox.close();
      },
    };
  },
};

export type { LiveSessionsServices } from './context.js';
// The end-to-end specs send a signal as the SFU would, to see whom the gateway delivers it to.
export { signalParticipant };
