import { Migration20261206220000_analytics } from './Migration20261206220000_analytics.js';
import { Migration20261206230500_learning_storage } from './Migration20261206230500_learning_storage.js';
import { Migration20261206231700_sales } from './Migration20261206231700_sales.js';
import { Migration20261206234500_platform_days } from './Migration20261206234500_platform_days.js';

export const migrations = [
  { name: 'Migration20261206220000_analytics', class: Migration20261206220000_analytics },
  { name: 'Migration20261206230500_learning_storage', class: Migration20261206230500_learning_storage },
  { name: 'Migration20261206231700_sales', class: Migration20261206231700_sales },
  { name: 'Migration20261206234500_platform_days', class: Migration20261206234500_platform_days },
];
