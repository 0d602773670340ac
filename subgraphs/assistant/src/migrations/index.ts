import { Migration20261206200000_assistant } from './Migration20261206200000_assistant.js';
import { Migration20261206210000_chat_mentions } from './Migration20261206210000_chat_mentions.js';

export const migrations = [
  { name: 'Migration20261206200000_assistant', class: Migration20261206200000_assistant },
  { name: 'Migration20261206210000_chat_mentions', class: Migration20261206210000_chat_mentions },
];
