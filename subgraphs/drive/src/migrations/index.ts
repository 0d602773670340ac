import { Migration20261122300000_drive } from './Migration20261122300000_drive.js';

export const migrations = [{ name: 'Migration20261122300000_drive', class: Migration20261122300000_drive }];
