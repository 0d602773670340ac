import { Migration20261122000000_identity } from './Migration20261122000000_identity.js';
import { Migration20261122500000_platform_account } from './Migration20261122500000_platform_account.js';
import { Migration20261206210000_assistant_account } from './Migration20261206210000_assistant_account.js';

export const migrations = [
  { name: 'Migration20261122000000_identity', class: Migration20261122000000_identity },
  { name: 'Migration20261122500000_platform_account', class: Migration20261122500000_platform_account },
  { name: 'Migration20261206210000_assistant_account', class: Migration20261206210000_assistant_account },
];
