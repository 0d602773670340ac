import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import { OutsideCalls, outsideCallSettings } from '@peerlink/platform/outside-call';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { SocialEvents } from '@peerlink/contracts/social';
import type { ChatEvents } from '@peerlink/contracts/chat';
import type { DriveEvents } from '@peerlink/contracts/drive';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { notificationsConfig, type NotificationsConfig } from './config.js';
import { AnnouncementService } from './announcement.service.js';
import DataLoader from 'dataloader';
import { byKey, validIds } from '@peerlink/platform/db/sql';
import type { NotificationsLoaders, NotificationsServices } from './context.js';
import { DeadLetterResolver } from './dead-letter.resolver.js';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { identityEventHandlers } from './identity-events.handler.js';
import { MessageSends } from './message-sends.js';
import { migrations } from './migrations/index.js';
import { Notification } from './notification.entity.js';
import { NotificationResolver } from './notification.resolver.js';
import { NotificationService } from './notification.service.js';
import { NotificationPreference } from './preference.entity.js';
import { Recipient } from './recipient.entity.js';
import { socialEventHandlers } from './social-events.handler.js';
import { chatEventHandlers } from './chat-events.handler.js';
import { driveEventHandlers } from './drive-events.handler.js';
import { marketplaceEventHandlers } from './marketplace-events.handler.js';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import { paymentsEventHandlers } from './payments-events.handler.js';
import { returnEventHandlers } from './return-events.handler.js';
import { learningEventHandlers } from './learning-events.handler.js';
import { callEventHandlers } from './call-events.handler.js';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';

/** The inbox of every user: in-app notifications, email and SMS, driven by other domains' events. */
export const notifications: SubgraphDefinition<NotificationsServices, NotificationsLoaders, NotificationsConfig> = {
  name: 'notifications',
  config: notificationsConfig,
  entities: [Notification, NotificationPreference, Recipient],
  migrations,
  resolvers: [NotificationResolver, DeadLetterResolver],

  async start({ bus, mailer, sms, config, logger }, orm, settings) {
    const outbox = new Outbox<NotificationsEvents>(orm, bus, logger);
    // Every email and text message is claimed, sent after commit with a deadline, and recorded (outside-call.ts).
    const calls = new OutsideCalls(outbox, outsideCallSettings(config), logger);
    const sends = new MessageSends(calls, mailer, sms);
    const service = new NotificationService(orm, sends);
    const announcements = new AnnouncementService(
      orm,
      outbox,
      {
        leaseMs: settings.ANNOUNCEMENT_LEASE_MS,
        sweepMs: settings.ANNOUNCEMENT_SWEEP_MS,
        maxAttempts: settings.ANNOUNCEMENT_MAX_ATTEMPTS,
      },
      logger,
    );
    const announcementSweep = new Repeating(
      'announcement sweep',
      settings.ANNOUNCEMENT_SWEEP_MS,
      () => announcements.resume(),
      logger,
    ).start();
    const stopConsuming = await consumeEvents<
      IdentityEvents &
        SocialEvents &
        ChatEvents &
        DriveEvents &
        MarketplaceEvents &
        PaymentsEvents &
        LearningEvents &
        LiveSessionEvents,
      NotificationsEvents
    >({
      bus,
      outbox,
      consumer: 'notifications',
      handlers: {
        ...identityEventHandlers({ notifications: service, sends, publicUrl: config.publicUrl }),
        ...socialEventHandlers(service),
        ...chatEventHandlers(service),
        ...driveEventHandlers(service),
        ...marketplaceEventHandlers(service),
        ...paymentsEventHandlers(service),
        ...returnEventHandlers(service),
        ...learningEventHandlers(service),
        ...callEventHandlers(service),
      },
      logger,
    });
    calls.start();
    return {
      services: { notifications: service, announcements, bus },
      // An announcement's live lookups, a batch of them, read their rows in one statement.
      createLoaders: (_viewer, scope) => ({
        notification: scope.get(
          'notifications.byId',
          () =>
            new DataLoader(async (ids: readonly string[]) =>
              byKey(ids, await orm.em.find(Notification, { id: { $in: validIds(ids) } }), (n) => n.id),
            ),
        ),
      }),
      async stop() {
        announcements.stop();
        await announcementSweep.stop();
        await stopConsuming();
        await calls.stop();
        await outbox.close();
      },
    };
  },
};

// The package exports only this file: the end-to-end specs publish announcements through this.
export type { AnnouncementService } from './announcement.service.js';
