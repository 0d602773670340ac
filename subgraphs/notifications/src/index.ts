import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import type { IdentityEvents } from '@peerlink/identity/events';
import type { SocialEvents } from '@peerlink/social/events';
import type { ChatEvents } from '@peerlink/chat/events';
import type { DriveEvents } from '@peerlink/drive/events';
import { notificationsConfig, type NotificationsConfig } from './config.js';
import { AnnouncementService } from './announcement.service.js';
import DataLoader from 'dataloader';
import { byKey, validIds } from '@peerlink/platform/db/sql';
import type { NotificationsLoaders, NotificationsServices } from './context.js';
import { DeadLetterResolver } from './dead-letter.resolver.js';
import type { NotificationsEvents } from './events.js';
import { identityEventHandlers } from './identity-events.handler.js';
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
import type { MarketplaceEvents } from '@peerlink/marketplace/events';
import type { PaymentsEvents } from '@peerlink/payments/events';
import { paymentsEventHandlers } from './payments-events.handler.js';
import { returnEventHandlers } from './return-events.handler.js';

/** The inbox of every user: in-app notifications, email and SMS, driven by other domains' events. */
export const notifications: SubgraphDefinition<NotificationsServices, NotificationsLoaders, NotificationsConfig> = {
  name: 'notifications',
  config: notificationsConfig,
  entities: [Notification, NotificationPreference, Recipient],
  migrations,
  resolvers: [NotificationResolver, DeadLetterResolver],

  async start({ bus, mailer, sms, config, logger }, orm, settings) {
    const outbox = new Outbox<NotificationsEvents>(orm, bus, logger);
    const service = new NotificationService(orm, outbox, mailer, sms);
    const announcements = new AnnouncementService(orm, outbox, { leaseMs: settings.ANNOUNCEMENT_LEASE_MS, sweepMs: settings.ANNOUNCEMENT_SWEEP_MS, maxAttempts: settings.ANNOUNCEMENT_MAX_ATTEMPTS }, logger);
    const announcementSweep = new Repeating('announcement sweep', settings.ANNOUNCEMENT_SWEEP_MS, () => announcements.resume(), logger).start();
    const stopConsuming = await consumeEvents<IdentityEvents & SocialEvents & ChatEvents & DriveEvents & MarketplaceEvents & PaymentsEvents, NotificationsEvents>({
      bus,
      outbox,
      consumer: 'notifications',
      handlers: {
        ...identityEventHandlers({ notifications: service, mailer, sms, publicUrl: config.publicUrl }),
        ...socialEventHandlers(service),
        ...chatEventHandlers(service),
        ...driveEventHandlers(service),
        ...marketplaceEventHandlers(service),
        ...paymentsEventHandlers(service),
        ...returnEventHandlers(service),
      },
      logger,
    });
    return {
      services: { notifications: service, announcements, bus },
      // An announcement's live lookups, a batch of them, read their rows in one statement.
      createLoaders: (_viewer, scope) => ({
        notification: scope.get('notifications.byId', () => new DataLoader(async (ids: readonly string[]) => byKey(ids, await orm.em.find(Notification, { id: { $in: validIds(ids) } }), (n) => n.id))),
      }),
      async stop() {
        announcements.stop();
        await announcementSweep.stop();
        await stopConsuming();
        await outbox.close();
      },
    };
  },
};
