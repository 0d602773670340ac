import { Migration20261206200000_assistant } from './Migration20261206200000_assistant.js';

export const migrations = [{ name: 'Migration20261206200000_assistant', class: Migration20261206200000_assistant }];
