import { Migration20261122200000_chat } from './Migration20261122200000_chat.js';
import { Migration20261122210000_attachments } from './Migration20261122210000_attachments.js';
import { Migration20261206050000_call_messages } from './Migration20261206050000_call_messages.js';
import { Migration20261206210000_assistant_messages } from './Migration20261206210000_assistant_messages.js';

export const migrations = [
  { name: 'Migration20261122200000_chat', class: Migration20261122200000_chat },
  { name: 'Migration20261122210000_attachments', class: Migration20261122210000_attachments },
  { name: 'Migration20261206050000_call_messages', class: Migration20261206050000_call_messages },
  { name: 'Migration20261206210000_assistant_messages', class: Migration20261206210000_assistant_messages },
];
