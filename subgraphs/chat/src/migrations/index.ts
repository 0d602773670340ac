import { Migration20261122200000_chat } from './Migration20261122200000_chat.js';

export const migrations = [{ name: 'Migration20261122200000_chat', class: Migration20261122200000_chat }];
