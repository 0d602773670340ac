import { Migration20261122400000_marketplace } from './Migration20261122400000_marketplace.js';
import { Migration20261122410000_search } from './Migration20261122410000_search.js';
import { Migration20261122420000_refunds } from './Migration20261122420000_refunds.js';
import { Migration20261122430000_reviews } from './Migration20261122430000_reviews.js';
import { Migration20261122440000_files } from './Migration20261122440000_files.js';
import { Migration20261122450000_campaigns } from './Migration20261122450000_campaigns.js';
import { Migration20261204100000_return_requests } from './Migration20261204100000_return_requests.js';
import { Migration20261205100000_request_fingerprints } from './Migration20261205100000_request_fingerprints.js';
import { Migration20261206100000_course_products } from './Migration20261206100000_course_products.js';
import { Migration20261206230000_line_categories } from './Migration20261206230000_line_categories.js';

export const migrations = [
  { name: 'Migration20261122400000_marketplace', class: Migration20261122400000_marketplace },
  { name: 'Migration20261122410000_search', class: Migration20261122410000_search },
  { name: 'Migration20261122420000_refunds', class: Migration20261122420000_refunds },
  { name: 'Migration20261122430000_reviews', class: Migration20261122430000_reviews },
  { name: 'Migration20261122440000_files', class: Migration20261122440000_files },
  { name: 'Migration20261122450000_campaigns', class: Migration20261122450000_campaigns },
  { name: 'Migration20261204100000_return_requests', class: Migration20261204100000_return_requests },
  { name: 'Migration20261205100000_request_fingerprints', class: Migration20261205100000_request_fingerprints },
  { name: 'Migration20261206100000_course_products', class: Migration20261206100000_course_products },
  { name: 'Migration20261206230000_line_categories', class: Migration20261206230000_line_categories },
];
