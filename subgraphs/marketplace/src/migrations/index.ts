import { Migration20261122400000_marketplace } from './Migration20261122400000_marketplace.js';

export const migrations = [{ name: 'Migration20261122400000_marketplace', class: Migration20261122400000_marketplace }];
