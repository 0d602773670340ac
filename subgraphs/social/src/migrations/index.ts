import { Migration20261122100000_social } from './Migration20261122100000_social.js';

export const migrations = [{ name: 'Migration20261122100000_social', class: Migration20261122100000_social }];
