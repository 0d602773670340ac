import { Migration20261122000000_notifications } from './Migration20261122000000_notifications.js';

export const migrations = [{ name: 'Migration20261122000000_notifications', class: Migration20261122000000_notifications }];
