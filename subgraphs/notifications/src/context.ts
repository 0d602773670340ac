import type { EventBus } from '@peerlink/platform/events/event-bus';
import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { AnnouncementService } from './announcement.service.js';
import type { NotificationService } from './notification.service.js';

export interface NotificationsServices {
  notifications: NotificationService;
  announcements: AnnouncementService;
  bus: EventBus;
}

export type NotificationsContext = SubgraphContext<NotificationsServices, Record<string, never>>;
