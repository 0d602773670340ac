import { Migration20261122400000_marketplace } from './Migration20261122400000_marketplace.js';
import { Migration20261122410000_search } from './Migration20261122410000_search.js';
import { Migration20261122420000_refunds } from './Migration20261122420000_refunds.js';

export const migrations = [
  { name: 'Migration20261122400000_marketplace', class: Migration20261122400000_marketplace },
  { name: 'Migration20261122410000_search', class: Migration20261122410000_search },
  { name: 'Migration20261122420000_refunds', class: Migration20261122420000_refunds },
];
