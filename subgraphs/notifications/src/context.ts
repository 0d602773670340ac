import type { EventBus } from '@peerlink/platform/events/event-bus';
import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { AnnouncementService } from './announcement.service.js';
import type DataLoader from 'dataloader';
import type { Notification } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';

export interface NotificationsServices {
  notifications: NotificationService;
  announcements: AnnouncementService;
  bus: EventBus;
}

export interface NotificationsLoaders {
  /** Notifications by id, whoever they are for: shared by a batch of live lookups (see byId). */
  notification: DataLoader<string, Notification | null>;
}

export type NotificationsContext = SubgraphContext<NotificationsServices, NotificationsLoaders>;
