import { Migration20261122000000_notifications } from './Migration20261122000000_notifications.js';
import { Migration20261122100000_notification_posts } from './Migration20261122100000_notification_posts.js';
import { Migration20261122200000_notification_conversations } from './Migration20261122200000_notification_conversations.js';
import { Migration20261122400000_notification_orders } from './Migration20261122400000_notification_orders.js';
import { Migration20261204100000_notification_returns } from './Migration20261204100000_notification_returns.js';
import { Migration20261205000000_announcements } from './Migration20261205000000_announcements.js';

export const migrations = [
  { name: 'Migration20261122000000_notifications', class: Migration20261122000000_notifications },
  { name: 'Migration20261122100000_notification_posts', class: Migration20261122100000_notification_posts },
  {
    name: 'Migration20261122200000_notification_conversations',
    class: Migration20261122200000_notification_conversations,
  },
  { name: 'Migration20261122400000_notification_orders', class: Migration20261122400000_notification_orders },
  { name: 'Migration20261204100000_notification_returns', class: Migration20261204100000_notification_returns },
  { name: 'Migration20261205000000_announcements', class: Migration20261205000000_announcements },
];
