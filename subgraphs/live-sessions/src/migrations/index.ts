import { Migration20261206050000_live_sessions } from './Migration20261206050000_live_sessions.js';

export const migrations = [
  { name: 'Migration20261206050000_live_sessions', class: Migration20261206050000_live_sessions },
];
