import { Migration20261206220000_analytics } from './Migration20261206220000_analytics.js';

export const migrations = [{ name: 'Migration20261206220000_analytics', class: Migration20261206220000_analytics }];
