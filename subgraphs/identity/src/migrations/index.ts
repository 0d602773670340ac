import { Migration20261122000000_identity } from './Migration20261122000000_identity.js';

export const migrations = [{ name: 'Migration20261122000000_identity', class: Migration20261122000000_identity }];
