import { Migration20261122200000_chat } from './Migration20261122200000_chat.js';
import { Migration20261122210000_attachments } from './Migration20261122210000_attachments.js';

export const migrations = [
  { name: 'Migration20261122200000_chat', class: Migration20261122200000_chat },
  { name: 'Migration20261122210000_attachments', class: Migration20261122210000_attachments },
];
