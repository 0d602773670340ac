import { Migration20261206000000_learning } from './Migration20261206000000_learning.js';
import { Migration20261206010000_video_attempts } from './Migration20261206010000_video_attempts.js';
import { Migration20261206030000_progress } from './Migration20261206030000_progress.js';
import { Migration20261206040000_ended_purchases } from './Migration20261206040000_ended_purchases.js';
import { Migration20261207000000_announced_progress } from './Migration20261207000000_announced_progress.js';

export const migrations = [
  { name: 'Migration20261206000000_learning', class: Migration20261206000000_learning },
  { name: 'Migration20261206010000_video_attempts', class: Migration20261206010000_video_attempts },
  { name: 'Migration20261206030000_progress', class: Migration20261206030000_progress },
  { name: 'Migration20261206040000_ended_purchases', class: Migration20261206040000_ended_purchases },
  { name: 'Migration20261207000000_announced_progress', class: Migration20261207000000_announced_progress },
];
